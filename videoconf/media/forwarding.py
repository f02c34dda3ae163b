"""Selective forwarding of encoded media: the server relays each publisher's VP8/Opus frames to
every subscriber without decoding or re-encoding them.

aiortc always decodes what it receives and encodes per sender (a 4-party room needs about a
core). Two facts make forwarding possible without forking it: a receiver puts each reassembled
frame on its decoder queue, and a sender packetises an `av.Packet` (instead of encoding) when
its track yields one. So a receiver we forward gets a queue that wraps each frame in an
`av.Packet` and hands it to the track right away (its decoder thread exits at once);
`Forwarder` fans those packets out to per-slot `SlotTrack`s that senders read. Keyframes: a
subscriber starts (and restarts after an overflow) at a keyframe, and its PLIs are passed to the
publisher. aiortc is pinned (==1.16.0) because this relies on `rtcrtpreceiver.decoder_worker`,
the receiver's private decoder queue and `RemoteStreamTrack._queue`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import av
from aiortc import MediaStreamTrack, RTCRtpReceiver
from aiortc import rtcrtpreceiver as _receiver_module
from aiortc.mediastreams import MediaStreamError

__all__ = ["Forwarder", "SlotTrack", "forward_track", "install", "is_vp8_keyframe", "vp8_keyframe_size"]

_log = logging.getLogger(__name__)
_VIDEO_CLOCK = Fraction(1, 90000)
_AUDIO_CLOCK = Fraction(1, 48000)
_SLOT_QUEUE = 90  # ≈ 4.5 s of 20 fps video; beyond it the subscriber is too slow and resyncs
_PLI_INTERVAL_S = 0.5

_original_worker = _receiver_module.decoder_worker


class _DirectQueue:
    """Stands in for a receiver's decoder queue: `put` runs on the event loop (in
    `_handle_rtp_packet`), so each reassembled frame goes straight to the track as a packet,
    with no decoder thread and no cross-thread hand-off per frame."""

    def __init__(self, output: asyncio.Queue[Any]) -> None:
        self._output = output

    def put(self, task: tuple[Any, Any] | None) -> None:
        if task is None:  # the receiver stops: end the track
            self._output.put_nowait(None)
            return
        codec, encoded_frame = task
        packet = av.Packet(encoded_frame.data)
        packet.pts = encoded_frame.timestamp
        packet.time_base = _VIDEO_CLOCK if codec.mimeType.lower().startswith("video/") else _AUDIO_CLOCK
        self._output.put_nowait(packet)


def _worker(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any] | _DirectQueue,
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    if not isinstance(input_q, _DirectQueue):  # a receiver we do not forward still decodes
        _original_worker(loop, input_q, output_q, decode_error)  # type: ignore[arg-type]


def install() -> None:
    """Let marked receivers skip decoding (idempotent; unmarked receivers are unaffected)."""
    _receiver_module.decoder_worker = _worker


def forward_track(receiver: RTCRtpReceiver) -> None:
    """Make a receiver's track yield encoded `av.Packet`s (call before its connection starts)."""
    receiver._RTCRtpReceiver__decoder_queue = _DirectQueue(receiver.track._queue)  # type: ignore[attr-defined]


def is_vp8_keyframe(data: bytes) -> bool:
    # RFC 6386 §9.1: bit 0 of the frame tag is 0 for a key frame.
    return bool(data) and not data[0] & 0x01


def vp8_keyframe_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a VP8 key frame header (start code 9d 01 2a at offset 3)."""
    if len(data) < 10 or not is_vp8_keyframe(data) or data[3:6] != b"\x9d\x01\x2a":
        return None
    return int.from_bytes(data[6:8], "little") & 0x3FFF, int.from_bytes(data[8:10], "little") & 0x3FFF


class SlotTrack(MediaStreamTrack):
    """What one subscriber receives from one publisher slot; it outlives publisher reconnects.

    It never ends while the subscriber is connected: an ended track would stop its sender for
    good, and the slot must resume when the publisher rejoins with a new connection.
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._queue: asyncio.Queue[av.Packet] = asyncio.Queue(maxsize=_SLOT_QUEUE)
        self._need_keyframe = kind == "video"
        self._source: Forwarder | None = None

    def attach(self, source: Forwarder | None) -> None:
        """Feed this slot from `source` (None: silence until the publisher is back)."""
        if self._source is source:
            return
        if self._source is not None:
            self._source.remove(self)
        self._source = source
        self._drain()
        if source is not None:
            source.add(self)

    def push(self, packet: av.Packet, keyframe: bool) -> None:
        if self._need_keyframe:
            if not keyframe:
                self.request_keyframe()
                return
            self._need_keyframe = False
        try:
            self._queue.put_nowait(packet)
        except asyncio.QueueFull:
            # A slow subscriber: drop its backlog and restart it at the next keyframe.
            self._drain()

    def request_keyframe(self) -> None:
        if self._source is not None:
            self._source.request_keyframe()

    def _drain(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
        self._need_keyframe = self.kind == "video"
        self.request_keyframe()

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        return await self._queue.get()

    def stop(self) -> None:
        self.attach(None)
        super().stop()


class Forwarder:
    """Reads one publisher's remote track once and hands every packet to its subscribers."""

    def __init__(self, track: MediaStreamTrack, receiver: RTCRtpReceiver) -> None:
        self.track = track
        self.kind = track.kind
        self._receiver = receiver
        self._sinks: set[Any] = set()
        self._last_pli = 0.0
        self._background: set[asyncio.Future[None]] = set()
        self.frame_size: tuple[int, int] | None = None
        self.packets = 0
        forward_track(receiver)
        self._task = asyncio.ensure_future(self._run())

    def add(self, sink: Any) -> None:
        """A sink has `push(packet, keyframe)`; video sinks wait for the next keyframe."""
        self._sinks.add(sink)
        self.request_keyframe()

    def remove(self, sink: Any) -> None:
        self._sinks.discard(sink)

    def on_ended(self, callback: Callable[[], None]) -> None:
        self._task.add_done_callback(lambda _task: callback())

    def request_keyframe(self) -> None:
        """Send a PLI to the publisher, at most every half second."""
        if self.kind != "video":
            return
        now = time.monotonic()
        if now - self._last_pli < _PLI_INTERVAL_S:
            return
        self._last_pli = now
        for source in self._receiver.getSynchronizationSources():
            task = asyncio.ensure_future(self._receiver._send_rtcp_pli(source.source))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _run(self) -> None:
        while True:
            try:
                packet = await self.track.recv()
            except MediaStreamError:
                break
            self.packets += 1
            keyframe = True
            if self.kind == "video":
                data = bytes(packet)
                keyframe = is_vp8_keyframe(data)
                self.frame_size = vp8_keyframe_size(data) or self.frame_size
            for sink in list(self._sinks):
                sink.push(packet, keyframe)
        self._sinks.clear()

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
