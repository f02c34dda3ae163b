"""The media side of one room: a peer connection per participant, forwarding between them, and
the recording.

Signalling layout (fixed, so late joiners need no renegotiation): a participant's offer holds
its own audio + video m-lines first, then one recvonly audio + video pair per *other*
participant, in the room's participant order. The server pre-creates matching transceivers
(VP8 and Opus only, so forwarded packets fit every receiver) before applying the offer, and
keeps each slot's track for the whole connection. aiortc has no ICE restart: a participant who
drops comes back with a new offer, which replaces the old connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack

from videoconf.media.forwarding import Forwarder, SlotTrack, install
from videoconf.media.recorder import RecordingSink, SegmentRecorder

__all__ = ["MediaError", "RoomHub"]

_log = logging.getLogger(__name__)
_KINDS = ("audio", "video")
_CODECS = {"audio": ("audio/opus",), "video": ("video/VP8", "video/rtx")}


class MediaError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class _Peer:
    participant_id: str
    connection: int
    pc: RTCPeerConnection
    slots: dict[tuple[str, str], SlotTrack] = field(default_factory=dict)
    forwarders: dict[str, Forwarder] = field(default_factory=dict)


def _preferences(kind: str) -> list:
    return [c for c in RTCRtpSender.getCapabilities(kind).codecs if c.mimeType in _CODECS[kind]]


class RoomHub:
    """Connections of one room. `on_drop(participant_id, connection)` reports a lost connection."""

    def __init__(self, participant_ids: list[str], on_drop: Callable[[str, int], None]) -> None:
        install()
        self.order = list(participant_ids)
        self._on_drop = on_drop
        self._peers: dict[str, _Peer] = {}
        self._recorder: SegmentRecorder | None = None
        self._recording_sinks: dict[tuple[str, str], RecordingSink] = {}
        self._background: set[asyncio.Future[None]] = set()

    def others(self, participant_id: str) -> list[str]:
        return [p for p in self.order if p != participant_id]

    def connected(self) -> list[str]:
        return [p for p, peer in self._peers.items() if peer.pc.connectionState != "closed"]

    def forwarder(self, participant_id: str, kind: str) -> Forwarder | None:
        peer = self._peers.get(participant_id)
        return peer.forwarders.get(kind) if peer else None

    async def connect(
        self, participant_id: str, connection: int, sdp: str, sdp_type: str
    ) -> RTCSessionDescription:
        """Answer a participant's offer; a previous connection of theirs is closed first."""
        if sdp_type != "offer":
            raise MediaError("video.offer_invalid", "expected an SDP offer")
        await self.disconnect(participant_id)
        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        peer = _Peer(participant_id, connection, pc)
        self._prepare_transceivers(peer)
        pc.on("track", lambda track: self._on_track(peer, track))
        pc.on("connectionstatechange", lambda: self._on_state(peer))
        self._peers[participant_id] = peer
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=sdp_type))
            self._check_layout(peer)
            await pc.setLocalDescription(await pc.createAnswer())
        except (ValueError, MediaError) as exc:
            await self.disconnect(participant_id)
            code = exc.code if isinstance(exc, MediaError) else "video.offer_invalid"
            raise MediaError(code, str(exc)) from None
        return pc.localDescription

    def _prepare_transceivers(self, peer: _Peer) -> None:
        # Own tracks first (received), then a sending slot per other participant.
        for kind in _KINDS:
            peer.pc.addTransceiver(kind, direction="recvonly").setCodecPreferences(_preferences(kind))
        for other in self.others(peer.participant_id):
            for kind in _KINDS:
                slot = SlotTrack(kind)
                transceiver = peer.pc.addTransceiver(slot, direction="sendonly")
                transceiver.setCodecPreferences(_preferences(kind))
                # The subscriber's PLI goes to the publisher: forwarded frames cannot be re-encoded.
                transceiver.sender._send_keyframe = slot.request_keyframe  # type: ignore[method-assign]
                peer.slots[(other, kind)] = slot
                slot.attach(self.forwarder(other, kind))

    def _check_layout(self, peer: _Peer) -> None:
        expected = 2 * len(self.order)
        transceivers = peer.pc.getTransceivers()
        if len(transceivers) != expected or any(t.mid is None for t in transceivers):
            raise MediaError(
                "video.offer_layout",
                f"the offer must carry {expected} m-lines: own audio+video, then a pair per other party",
            )

    def _on_track(self, peer: _Peer, track: MediaStreamTrack) -> None:
        receiver = next(t.receiver for t in peer.pc.getTransceivers() if t.receiver.track is track)
        forwarder = Forwarder(track, receiver)
        peer.forwarders[track.kind] = forwarder
        for other_id, other in self._peers.items():
            if other_id != peer.participant_id and (
                slot := other.slots.get((peer.participant_id, track.kind))
            ):
                slot.attach(forwarder)
        sink = self._recording_sinks.get((peer.participant_id, track.kind))
        if sink is not None:
            sink.reset()
            forwarder.add(sink)

    def _on_state(self, peer: _Peer) -> None:
        if peer.pc.connectionState in ("failed", "closed") and self._peers.get(peer.participant_id) is peer:
            task = asyncio.ensure_future(self.disconnect(peer.participant_id))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            self._on_drop(peer.participant_id, peer.connection)

    async def disconnect(self, participant_id: str) -> None:
        peer = self._peers.pop(participant_id, None)
        if peer is None:
            return
        for other in self._peers.values():
            for kind in _KINDS:
                if slot := other.slots.get((participant_id, kind)):
                    slot.attach(None)
        for forwarder in peer.forwarders.values():
            await forwarder.stop()
        for slot in peer.slots.values():
            slot.stop()
        with contextlib.suppress(Exception):
            await peer.pc.close()

    # -- recording -----------------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self._recorder is not None

    def start_recording(self, path: Path, preset: str = "ultrafast") -> None:
        if self._recorder is not None:
            raise MediaError("video.recording_running", "the room is already being recorded")
        sizes = [(f.frame_size if (f := self.forwarder(p, "video")) else None) for p in self.order]
        self._recorder = SegmentRecorder(path, sizes, preset)
        for lane, participant_id in enumerate(self.order):
            for kind in _KINDS:
                sink = self._recorder.sink(lane, kind)
                self._recording_sinks[(participant_id, kind)] = sink
                if forwarder := self.forwarder(participant_id, kind):
                    forwarder.add(sink)

    async def stop_recording(self) -> tuple[str, int]:
        """Close the file; (sha256, size)."""
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            raise MediaError("video.recording_not_running", "the room is not being recorded")
        for (participant_id, kind), sink in self._recording_sinks.items():
            if forwarder := self.forwarder(participant_id, kind):
                forwarder.remove(sink)
        self._recording_sinks.clear()
        return await asyncio.get_running_loop().run_in_executor(None, recorder.stop)

    async def close(self) -> None:
        if self._recorder is not None:
            await self.stop_recording()
        for participant_id in list(self._peers):
            await self.disconnect(participant_id)


def _loopback_fallback() -> None:
    """aioice ignores 127.0.0.1; on a host whose only interface is loopback, offer it anyway."""
    import aioice.ice as ice

    original = ice.get_host_addresses

    def addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return original(use_ipv4, use_ipv6) or (["127.0.0.1"] if use_ipv4 else [])

    if getattr(ice.get_host_addresses, "__name__", "") != "addresses":
        ice.get_host_addresses = addresses


_loopback_fallback()
