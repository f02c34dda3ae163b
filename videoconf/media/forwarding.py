"""Selective forwarding of encoded media: the server relays each publisher's VP8/Opus frames to
every subscriber without decoding or re-encoding them.

aiortc always decodes what it receives and encodes per sender (a 4-party room needs about a
core). Two facts make forwarding possible without forking it: a receiver hands each
reassembled frame to `decoder_worker` on a thread, and a sender packetises an `av.Packet`
(instead of encoding) when its track yields one. So receivers we mark as forwarded get a worker
that wraps each encoded frame in an `av.Packet`; `Forwarder` fans those packets out to per-slot
`SlotTrack`s that senders read. Keyframes: a subscriber starts (and restarts after an overflow)
at a keyframe, and its PLIs are passed to the publisher. aiortc is pinned because this relies
on `rtcrtpreceiver.decoder_worker` and `RemoteStreamTrack._queue`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import av
from aiortc import MediaStreamTrack, RTCRtpReceiver
from aiortc import rtcrtpreceiver as _receiver_module
from aiortc.mediastreams import MediaStreamError

__all__ = ["Forwarder", "SlotTrack", "install", "is_vp8_keyframe", "vp8_keyframe_size"]

_log = logging.getLogger(__name__)
_VIDEO_CLOCK = Fraction(1, 90000)
_AUDIO_CLOCK = Fraction(1, 48000)
_SLOT_QUEUE = 90  # ≈ 4.5 s of 20 fps video; beyond it the subscriber is too slow and resyncs
_PLI_INTERVAL_S = 0.5

# Queues of remote tracks whose receivers forward instead of decoding.
_forwarded_queues: weakref.WeakSet[asyncio.Queue[Any]] = weakref.WeakSet()
_original_worker = _receiver_module.decoder_worker


def _forwarding_worker(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    if output_q not in _forwarded_queues:
        _original_worker(loop, input_q, output_q, decode_error)
        return
    while True:
        task = input_q.get()
        if task is None:
            asyncio.run_coroutine_threadsafe(output_q.put(None), loop)
            return
        codec, encoded_frame = task
        packet = av.Packet(encoded_frame.data)
        packet.pts = encoded_frame.timestamp
        packet.time_base = _VIDEO_CLOCK if codec.mimeType.lower().startswith("video/") else _AUDIO_CLOCK
        asyncio.run_coroutine_threadsafe(output_q.put(packet), loop)


def install() -> None:
    """Route marked receivers through the forwarding worker (idempotent; others still decode)."""
    _receiver_module.decoder_worker = _forwarding_worker


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
        self.frame_size: tuple[int, int] | None = None
        self.packets = 0
        _forwarded_queues.add(track._queue)  # type: ignore[attr-defined]
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
            asyncio.ensure_future(self._receiver._send_rtcp_pli(source.source))

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
