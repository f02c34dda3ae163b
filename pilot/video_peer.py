"""A Python WebRTC participant for the demo, tests and the bench: publishes a synthetic camera (a solid colour
per participant, so a receiver can tell whose frames it got) and silence, and counts the frames
that arrive in each slot."""

from __future__ import annotations

import asyncio
import fractions
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import av
from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError

from videoconf.media import forwarding

__all__ = ["ColourCamera", "PyPeer"]

Signal = Callable[[dict[str, str]], Awaitable[dict[str, str]]]


class ColourCamera(VideoStreamTrack):
    """640x480 frames of one luma value at `fps`."""

    def __init__(self, luma: int, width: int = 640, height: int = 480, fps: int = 20) -> None:
        super().__init__()
        self.luma, self.width, self.height, self.fps = luma, width, height, fps
        self._frame: av.VideoFrame | None = None
        self._count = 0
        self._start = 0.0

    async def recv(self) -> av.VideoFrame:
        if self._frame is None:
            frame = av.VideoFrame(width=self.width, height=self.height, format="yuv420p")
            frame.planes[0].update(bytes([self.luma]) * frame.planes[0].buffer_size)
            for plane in frame.planes[1:]:
                plane.update(bytes([128]) * plane.buffer_size)
            self._frame = frame
            self._start = time.monotonic()
        self._count += 1
        delay = self._start + self._count / self.fps - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        frame = self._frame
        frame.pts = int(self._count * 90000 / self.fps)
        frame.time_base = fractions.Fraction(1, 90000)
        return frame


def _vp8_first(kind: str) -> list:
    wanted = ("audio/opus",) if kind == "audio" else ("video/VP8", "video/rtx")
    return [c for c in RTCRtpSender.getCapabilities(kind).codecs if c.mimeType in wanted]


class PyPeer:
    """One participant: `await peer.join(signal)`; `frames[slot]` counts decoded remote frames."""

    def __init__(self, luma: int, slots: int, *, decode: bool = True, fps: int = 20) -> None:
        self.camera = ColourCamera(luma, fps=fps)
        self.slots = slots
        self.decode = decode
        self.frames: Counter[int] = Counter()
        self.lumas: dict[int, int] = {}
        self.sizes: dict[int, tuple[int, int]] = {}
        self.pc: RTCPeerConnection | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def join(self, signal: Signal) -> None:
        """Offer own audio+video and one recvonly pair per slot; apply the server's answer."""
        await self.leave()
        self.frames.clear()
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.pc = pc
        for kind, track in (("audio", AudioStreamTrack()), ("video", self.camera)):
            pc.addTransceiver(track, direction="sendonly").setCodecPreferences(_vp8_first(kind))
        for _ in range(self.slots):
            for kind in ("audio", "video"):
                pc.addTransceiver(kind, direction="recvonly").setCodecPreferences(_vp8_first(kind))
        pc.on("track", self._on_track)
        await pc.setLocalDescription(await pc.createOffer())
        answer = await signal({"sdp": pc.localDescription.sdp, "type": pc.localDescription.type})
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))

    def _on_track(self, track: MediaStreamTrack) -> None:
        assert self.pc is not None
        if not self.decode:
            # Count encoded frames without decoding them (the bench isolates the server's CPU).
            forwarding.install()
            forwarding.forward_track(
                next(t.receiver for t in self.pc.getTransceivers() if t.receiver.track is track)
            )
        index = next(i for i, t in enumerate(self.pc.getTransceivers()) if t.receiver.track is track)
        slot = index // 2 - 1
        self._tasks.append(asyncio.ensure_future(self._consume(slot, track)))

    async def _consume(self, slot: int, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if track.kind == "video":
                self.frames[slot] += 1
                if isinstance(frame, av.VideoFrame):
                    self.sizes[slot] = (frame.width, frame.height)
                    plane = bytes(frame.planes[0])
                    self.lumas[slot] = plane[len(plane) // 2]

    async def wait_frames(self, minimum: int, within_s: float = 15.0) -> bool:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if all(self.frames[slot] >= minimum for slot in range(self.slots)):
                return True
            await asyncio.sleep(0.1)
        return False

    async def leave(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        if self.pc is not None:
            await self.pc.close()
            self.pc = None
