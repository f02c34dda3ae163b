"""Typed HTTP client of the videoconf service — the only module other services import.

The registry gateway schedules a room per registration case, hands each party its invitation,
and reads the signed outcome back (document + CMS, so it can validate the registrar's signature
itself).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from common.http_client import ServiceClient, ServiceError
from videoconf.schemas import InvitationView, OutcomeView, ParticipantSpec, RoomView

__all__ = ["VideoconfClient"]


class VideoconfClient(ServiceClient):
    audience = "videoconf"

    def schedule_room(
        self, case_ref: str, starts_at: datetime, participants: list[ParticipantSpec]
    ) -> RoomView:
        """Create the case's room; the same case and start time again returns the same room."""
        body = {
            "case_ref": case_ref,
            "starts_at": starts_at.isoformat(),
            "participants": [p.model_dump(mode="json") for p in participants],
        }
        key = hashlib.sha256(f"{case_ref}|{starts_at.isoformat()}".encode()).hexdigest()
        return RoomView.model_validate(self.post_json("/v1/rooms", body, idempotency_key=key))

    def room(self, room_id: str) -> RoomView:
        return RoomView.model_validate(self.get_json(f"/v1/rooms/{room_id}"))

    def invitation(self, room_id: str, iin: str) -> InvitationView:
        """A fresh short-lived join link for the participant with this IIN."""
        data = self.post_json(
            f"/v1/rooms/{room_id}/invitations", {"iin": iin}, idempotency_key=f"{room_id}:{iin}"
        )
        return InvitationView.model_validate(data)

    def outcome(self, room_id: str) -> OutcomeView | None:
        """The signed outcome, or None while the room is not finished."""
        try:
            return OutcomeView.model_validate(self.get_json(f"/v1/rooms/{room_id}/outcome"))
        except ServiceError as exc:
            if exc.code == "video.outcome_pending":
                return None
            raise

    def outcome_document(self, room_id: str) -> tuple[bytes, bytes]:
        """(canonical outcome JSON, detached CMS DER) exactly as the registrar signed them."""
        data = self.get_json(f"/v1/rooms/{room_id}/outcome/document")
        return base64.b64decode(data["document_b64"]), base64.b64decode(data["cms_b64"])
