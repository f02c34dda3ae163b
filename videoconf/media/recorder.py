"""Server-side recording of a room into one MP4 (H.264 + AAC, one video and one audio stream per
participant), fed by the forwarders' encoded packets.

Decoding (VP8/Opus) and encoding (x264 `ultrafast`, ≈ 8 % of a core per stream here) run on one
thread per recording, so the event loop that forwards media is never blocked. Timestamps come
from the server's clock, so every participant's streams line up in the file and a participant's
drop shows as a gap (silence) rather than a desynchronised track.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

__all__ = ["DEFAULT_FRAME_SIZE", "RecordingSink", "SegmentRecorder", "file_sha256"]

DEFAULT_FRAME_SIZE = (640, 480)
_MS = Fraction(1, 1000)
_AUDIO_RATE = 48000
_AUDIO_GAP_S = 0.2  # a larger hole in the audio is filled with silence


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class RecordingSink:
    """A forwarder sink that queues encoded packets for the recorder thread."""

    def __init__(self, recorder: SegmentRecorder, lane: int, kind: str) -> None:
        self._recorder = recorder
        self.lane = lane
        self.kind = kind
        self.need_keyframe = kind == "video"

    def reset(self) -> None:
        """A new publisher connection: its decoder must restart at a keyframe."""
        self.need_keyframe = self.kind == "video"

    def push(self, packet: av.Packet, keyframe: bool) -> None:
        if self.need_keyframe:
            if not keyframe:
                return
            self.need_keyframe = False
        self._recorder.feed(self.lane, self.kind, bytes(packet), time.monotonic(), keyframe)


class _Lane:
    """One participant's pair of streams in the file, with its decoders."""

    def __init__(self, container: Any, size: tuple[int, int], preset: str) -> None:
        self.video = container.add_stream("libx264", rate=30)
        self.video.width, self.video.height = size
        self.video.pix_fmt = "yuv420p"
        self.video.time_base = _MS
        self.video.codec_context.time_base = _MS
        self.video.codec_context.options = {"preset": preset, "tune": "zerolatency"}
        self.audio = container.add_stream("aac", rate=_AUDIO_RATE)
        self.audio.layout = "stereo"
        self.video_decoder = av.CodecContext.create("libvpx", "r")
        self.audio_decoder = av.CodecContext.create("opus", "r")
        self.last_video_pts = -1
        self.audio_samples = 0


class SegmentRecorder:
    """Records the lanes (participants) given at construction until `stop()`."""

    def __init__(
        self, path: Path, frame_sizes: list[tuple[int, int] | None], preset: str = "ultrafast"
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._container = av.open(str(path), mode="w", format="mp4")
        self._lanes = [_Lane(self._container, size or DEFAULT_FRAME_SIZE, preset) for size in frame_sizes]
        self._queue: queue.Queue[tuple[int, str, bytes, float, bool] | None] = queue.Queue(maxsize=600)
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=f"recorder-{path.stem}", daemon=True)
        self._thread.start()
        self.dropped = 0

    def sink(self, lane: int, kind: str) -> RecordingSink:
        return RecordingSink(self, lane, kind)

    def feed(self, lane: int, kind: str, data: bytes, arrived: float, keyframe: bool) -> None:
        try:
            self._queue.put_nowait((lane, kind, data, arrived, keyframe))
        except queue.Full:
            self.dropped += 1  # the recorder fell behind; the file shows a short freeze

    def stop(self) -> tuple[str, int]:
        """Flush and close the file; returns its (sha256, size)."""
        self._queue.put(None)
        self._thread.join()
        for lane in self._lanes:
            for stream in (lane.video, lane.audio):
                self._mux(stream.encode(None))
        self._container.close()
        return file_sha256(self.path), self.path.stat().st_size

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            lane_no, kind, data, arrived, _keyframe = item
            lane = self._lanes[lane_no]
            elapsed = arrived - self._started
            try:
                if kind == "video":
                    self._video(lane, data, elapsed)
                else:
                    self._audio(lane, data, elapsed)
            except av.FFmpegError:
                continue  # a damaged frame; the decoder resyncs on the next one

    def _video(self, lane: _Lane, data: bytes, elapsed: float) -> None:
        for frame in lane.video_decoder.decode(av.Packet(data)):
            pts = max(int(elapsed * 1000), lane.last_video_pts + 1)
            lane.last_video_pts = pts
            out = frame.reformat(width=lane.video.width, height=lane.video.height, format="yuv420p")
            out.pts, out.time_base = pts, _MS
            self._mux(lane.video.encode(out))

    def _audio(self, lane: _Lane, data: bytes, elapsed: float) -> None:
        for frame in lane.audio_decoder.decode(av.Packet(data)):
            gap = int(elapsed * _AUDIO_RATE) - frame.samples - lane.audio_samples
            if gap > _AUDIO_GAP_S * _AUDIO_RATE:
                self._write_audio(lane, _silence(gap, frame.format.name, frame.layout.name))
            self._write_audio(lane, frame)

    def _write_audio(self, lane: _Lane, frame: av.AudioFrame) -> None:
        frame.pts, frame.time_base, frame.sample_rate = (
            lane.audio_samples,
            Fraction(1, _AUDIO_RATE),
            _AUDIO_RATE,
        )
        lane.audio_samples += frame.samples
        self._mux(lane.audio.encode(frame))

    def _mux(self, packets: list[av.Packet]) -> None:
        for packet in packets:
            self._container.mux(packet)


def _silence(samples: int, sample_format: str, layout: str) -> av.AudioFrame:
    frame = av.AudioFrame(format=sample_format, layout=layout, samples=samples)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    return frame
