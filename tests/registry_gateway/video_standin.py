"""A stand-in of the videoconf service's gateway-facing API (rooms, invitations, outcome) on
its own wire models, so the gateway's checks can be driven to any outcome without WebRTC.
The real room flow is tested in tests/videoconf; the whole journey in tests/e2e."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from videoconf.schemas import (
    ChecklistView,
    InvitationRequest,
    InvitationView,
    OutcomeView,
    ParticipantView,
    RoomView,
    ScheduleRoomRequest,
)


class VideoStandIn:
    def __init__(self) -> None:
        self.rooms: dict[str, RoomView] = {}
        self.outcomes: dict[str, OutcomeView] = {}
        self.app = self._build()

    def finish(
        self, room_id: str, *, approved: bool, present: list[str], problems: dict[str, str] | None = None
    ) -> None:
        """The registrar's signed outcome: who took part, and for whom the checklist failed."""
        problems = problems or {}
        room = self.rooms[room_id]
        now = datetime.now(UTC)
        checklist = [
            ChecklistView(
                participant_id=p.id,
                iin=p.iin,
                role=p.role,
                identity_confirmed=p.iin not in problems,
                legal_capacity_confirmed=True,
                free_will_confirmed=True,
                passed=p.iin not in problems,
                problems=[problems[p.iin]] if p.iin in problems else [],
                connection=1,
                checked_at=now,
            )
            for p in room.participants
            if p.iin in present
        ]
        self.outcomes[room_id] = OutcomeView(
            room_id=room_id,
            case_ref=room.case_ref,
            status="approved" if approved else "rejected",
            reasons=[] if approved else ["identity_mismatch"],
            checklist=checklist,
            recording_sha256=hashlib.sha256(room_id.encode()).hexdigest(),
            recordings=[],
            outcome_sha256=hashlib.sha256(b"outcome" + room_id.encode()).hexdigest(),
            cms_sha256=hashlib.sha256(b"cms" + room_id.encode()).hexdigest(),
            signed_by_iin="850909420029",
            finished_at=now,
        )

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/healthz")
        def healthz() -> dict[str, str]:
            return {"status": "ok"}

        @app.post("/v1/rooms", status_code=201)
        def schedule(body: ScheduleRoomRequest) -> RoomView:
            for room in self.rooms.values():
                if room.case_ref == body.case_ref and room.starts_at == body.starts_at:
                    return room
            room = RoomView(
                id=uuid.uuid4().hex,
                case_ref=body.case_ref,
                starts_at=body.starts_at,
                state="scheduled",
                participants=[
                    ParticipantView(id=uuid.uuid4().hex, iin=p.iin, role=p.role, name=p.name, state="invited")
                    for p in body.participants
                ],
            )
            self.rooms[room.id] = room
            return room

        @app.post("/v1/rooms/{room_id}/invitations")
        def invite(room_id: str, body: InvitationRequest) -> InvitationView:
            role = next(p.role for p in self.rooms[room_id].participants if p.iin == body.iin)
            return InvitationView(
                room_id=room_id,
                iin=body.iin,
                role=role,
                join_url=f"http://video.test/rooms/{room_id}?t=x",
                token="x",
                expires_at=datetime.now(UTC) + timedelta(minutes=10),
            )

        @app.get("/v1/rooms/{room_id}/outcome", response_model=None)
        def outcome(room_id: str) -> Any:
            if room_id not in self.outcomes:
                body = {"status": 404, "code": "video.outcome_pending", "detail": "not finished"}
                return JSONResponse(body, status_code=404, media_type="application/problem+json")
            return self.outcomes[room_id]

        return app
