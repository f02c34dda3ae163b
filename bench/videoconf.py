"""Server CPU of a video room: our encoded-frame forwarding vs aiortc's MediaRelay (which decodes
every publisher and re-encodes per subscriber), side by side. Prints JSON.

    .venv/bin/python bench/videoconf.py [--participants 4] [--seconds 10] [--fps 20]

The server runs in its own process and measures its own CPU time over the window; the
participants (synthetic 640x480 VP8 cameras) run in another process and count the frames they
receive without decoding them, so their CPU does not show up in the server's figure. On a
shared 2-vCPU machine the clients' encoders compete with the server for cores, which lowers the
received fps but not the server's CPU-seconds per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WARM_UP_S = 4.0


class RelayRoom:
    """aiortc's default way: decode each publisher once, MediaRelay to subscribers, encode per sender."""

    def __init__(self, order: list[str]) -> None:
        from aiortc.contrib.media import MediaRelay

        self.order = order
        self.relay = MediaRelay()
        self.pcs: dict[str, Any] = {}
        self.tracks: dict[tuple[str, str], Any] = {}
        self.slots: dict[str, dict[tuple[str, str], Any]] = {}
        self.sinks: list[Any] = []

    async def connect(self, pid: str, sdp: str, sdp_type: str) -> Any:
        from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription

        pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.pcs[pid] = pc
        for kind in ("audio", "video"):
            pc.addTransceiver(kind, direction="recvonly")
        slots = self.slots.setdefault(pid, {})
        for other in (p for p in self.order if p != pid):
            for kind in ("audio", "video"):
                slots[(other, kind)] = pc.addTransceiver(kind, direction="sendonly").sender

        @pc.on("track")
        def on_track(track: Any) -> None:
            self.tracks[(pid, track.kind)] = track

        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=sdp_type))
        await pc.setLocalDescription(await pc.createAnswer())
        return pc.localDescription

    def wire(self) -> None:
        from aiortc.contrib.media import MediaBlackhole

        for slots in self.slots.values():
            for (other, kind), sender in slots.items():
                sender.replaceTrack(self.relay.subscribe(self.tracks[(other, kind)], buffered=False))
        # Every received track is consumed (aiortc #554), as a recording or monitor would.
        for track in self.tracks.values():
            sink = MediaBlackhole()
            sink.addTrack(self.relay.subscribe(track, buffered=False))
            self.sinks.append(sink)

    async def start(self) -> None:
        for sink in self.sinks:
            await sink.start()

    async def close(self) -> None:
        for pc in self.pcs.values():
            await pc.close()


class ForwardRoom:
    def __init__(self, order: list[str]) -> None:
        from videoconf.media.hub import RoomHub

        self.hub = RoomHub(order, lambda _p, _c: None)

    async def connect(self, pid: str, sdp: str, sdp_type: str) -> Any:
        return await self.hub.connect(pid, 1, sdp, sdp_type)

    def wire(self) -> None:
        """Slots are wired as tracks arrive."""

    async def start(self) -> None:
        """Nothing to start."""

    async def close(self) -> None:
        await self.hub.close()


def serve(mode: str, order: list[str], conn: Connection) -> None:
    async def main() -> None:
        room = ForwardRoom(order) if mode == "forward" else RelayRoom(order)
        loop = asyncio.get_running_loop()
        while True:
            message = await loop.run_in_executor(None, conn.recv)
            if message[0] == "offer":
                _, pid, sdp, sdp_type = message
                answer = await room.connect(pid, sdp, sdp_type)
                conn.send((answer.sdp, answer.type))
            elif message[0] == "wire":
                room.wire()
                await room.start()
                conn.send("ok")
            elif message[0] == "measure":
                cpu, wall = time.process_time(), time.monotonic()
                await asyncio.sleep(message[1])
                conn.send({"cpu_s": time.process_time() - cpu, "wall_s": time.monotonic() - wall})
            else:
                await room.close()
                conn.send("bye")
                return

    # Production runs the hub inside uvicorn on uvloop; measure the same loop.
    uvloop.run(main())


async def run_clients(conn: Connection, order: list[str], seconds: float, fps: int) -> dict[str, Any]:
    from pilot.video_peer import PyPeer

    loop = asyncio.get_running_loop()
    peers = [PyPeer(20 + 50 * i, len(order) - 1, decode=False, fps=fps) for i in range(len(order))]
    for pid, peer in zip(order, peers, strict=True):

        async def signal(offer: dict[str, str], pid: str = pid) -> dict[str, str]:
            conn.send(("offer", pid, offer["sdp"], offer["type"]))
            sdp, sdp_type = await loop.run_in_executor(None, conn.recv)
            return {"sdp": sdp, "type": sdp_type}

        await peer.join(signal)
    conn.send(("wire",))
    await loop.run_in_executor(None, conn.recv)
    ready = all([await peer.wait_frames(1, within_s=20) for peer in peers])
    await asyncio.sleep(WARM_UP_S)
    before = [sum(peer.frames.values()) for peer in peers]
    conn.send(("measure", seconds))
    server = await loop.run_in_executor(None, conn.recv)
    received = [sum(peer.frames.values()) - b for peer, b in zip(peers, before, strict=True)]
    for peer in peers:
        await peer.leave()
    conn.send(("close",))
    await loop.run_in_executor(None, conn.recv)
    streams = len(order) * (len(order) - 1)
    frames = max(sum(received), 1)
    return {
        "server_cpu_ms_per_relayed_frame": round(1000 * server["cpu_s"] / frames, 3),
        "all_streams_flowing": ready,
        "server_cpu_pct_of_one_core": round(100 * server["cpu_s"] / server["wall_s"], 1),
        "relayed_streams": streams,
        "received_fps_per_stream": round(sum(received) / streams / server["wall_s"], 1),
    }


def measure(mode: str, participants: int, seconds: float, fps: int) -> dict[str, Any]:
    order = [f"p{i}" for i in range(participants)]
    here, there = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(mode, order, there))
    server.start()
    try:
        return uvloop.run(run_clients(here, order, seconds, fps))
    finally:
        server.join(timeout=20)
        if server.is_alive():
            server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=int, default=20)
    args = parser.parse_args()
    results = {
        mode: measure(mode, args.participants, args.seconds, args.fps) for mode in ("forward", "mediarelay")
    }
    print(
        json.dumps(
            {
                "bench": "videoconf",
                "participants": args.participants,
                "video": f"640x480 VP8 @ {args.fps} fps + Opus",
                "window_s": args.seconds,
                "cpus": os.cpu_count(),
                "load_average_1m": round(os.getloadavg()[0], 2),  # other work on a shared machine
                "python": platform.python_version(),
                "target_pct_of_one_core": 25,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
