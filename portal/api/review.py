"""The housing company's review: checks, decision, hearing, the head's refusal, deadlines."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from portal.api.deps import current_user
from portal.schemas import CmsIn, DecisionIn, ObjectionIn
from portal.service import review
from portal.service.access import require_role
from portal.service.auth import User

router = APIRouter(prefix="/v1", tags=["review"])


@router.post("/applications/{application_id}/checks", summary="Run the §15 checks via the state systems")
def checks(application_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return review.run_checks(application_id, user)


@router.post("/applications/{application_id}/decision", summary="Approve, or refuse preliminarily")
def decision(application_id: str, body: DecisionIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return review.decide(application_id, user, body.approve, body.reasons)


@router.post(
    "/applications/{application_id}/objection", summary="The applicant answers a preliminary refusal"
)
def objection(application_id: str, body: ObjectionIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return review.object_to_refusal(application_id, user, body.text)


@router.post("/applications/{application_id}/reconsider", summary="Accept the objection: back to review")
def reconsider(application_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return review.reconsider(application_id, user)


@router.get("/applications/{application_id}/refusal/document", summary="The final refusal the head signs")
def refusal_document(application_id: str, user: User = Depends(current_user)) -> Response:
    _, content = review.refusal_document(application_id, user)
    return Response(content, media_type=review.REFUSAL_MEDIA_TYPE)


@router.post("/applications/{application_id}/refusal", summary="The head signs the final refusal")
def refusal(application_id: str, body: CmsIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return review.sign_refusal(application_id, user, body.cms)


@router.get("/officer/deadlines", summary="Review and list-loading deadlines with alerts")
def deadlines(user: User = Depends(current_user)) -> dict[str, Any]:
    require_role(user, "officer", "head")
    return review.deadlines(user)
