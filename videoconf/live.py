"""The process's live rooms: one media hub per open room, created on the first connection.

Media state lives in this process, so a room's participants must reach the same videoconf
process (one process per room; the database holds everything else)."""

from __future__ import annotations

from videoconf import service
from videoconf.media.hub import RoomHub

__all__ = ["Hubs"]


class Hubs:
    def __init__(self) -> None:
        self._hubs: dict[str, RoomHub] = {}

    def get(self, room_id: str, order: list[str]) -> RoomHub:
        hub = self._hubs.get(room_id)
        if hub is None:

            def on_drop(participant_id: str, connection: int) -> None:
                service.record_drop(room_id, participant_id, connection)

            hub = self._hubs[room_id] = RoomHub(order, on_drop)
        return hub

    def existing(self, room_id: str) -> RoomHub | None:
        return self._hubs.get(room_id)

    async def close(self, room_id: str) -> None:
        hub = self._hubs.pop(room_id, None)
        if hub is not None:
            await hub.close()

    async def close_all(self) -> None:
        for room_id in list(self._hubs):
            await self.close(room_id)
