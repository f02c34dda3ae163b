"""`/v1/cases`: registration cases — the applicant's steps and the registrar's decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from registry_gateway import registrar, service
from registry_gateway.api.deps import Caller
from registry_gateway.schemas import (
    CaseAction,
    CaseStatus,
    CaseView,
    DecisionDraft,
    DraftRequest,
    PayFee,
    PaymentReceipt,
    RegistrarDecision,
    ResumeRequest,
    ScheduleVideo,
    SignApplication,
    SubmitCase,
)
from registry_gateway.views import case_status
from videoconf.schemas import InvitationRequest

__all__ = ["router"]

router = APIRouter(prefix="/v1/cases", tags=["cases"])


@router.post("", response_model=CaseView, status_code=201, summary="Submit a registration application")
def submit(body: SubmitCase, caller: Caller) -> Any:
    return service.submit_case(body, caller.name)


@router.get("", response_model=list[CaseStatus], summary="The queue, earliest deadline first")
def queue(caller: Caller, state: Annotated[str | None, Query(max_length=40)] = None) -> Any:
    return [case_status(c) for c in service.cases(state)]


@router.get("/{case_id}", response_model=CaseView, summary="A case with its checks, documents and history")
def get(case_id: str, caller: Caller) -> Any:
    return service.case(case_id)


@router.get("/{case_id}/status", response_model=CaseStatus, summary="State, deadline and decision")
def status(case_id: str, caller: Caller) -> Any:
    return service.case_state(case_id)


@router.get("/{case_id}/application", summary="The application document every party signs")
def application(case_id: str, caller: Caller) -> Response:
    return Response(service.application_bytes(case_id), media_type="application/json")


@router.post("/{case_id}/signatures", response_model=CaseView, summary="A party's CMS over the application")
def sign(case_id: str, body: SignApplication, caller: Caller) -> Any:
    return service.sign_application(case_id, body.party, service.decode_b64(body.cms_b64, "cms_b64"))


@router.post("/{case_id}/payment", response_model=PaymentReceipt, summary="Pay the registration fee")
def pay(case_id: str, body: PayFee, caller: Caller) -> Any:
    return service.pay_fee(case_id, body.amount, body.payer)


@router.post("/{case_id}/video", response_model=CaseView, summary="Book the registrar's video session")
def video(case_id: str, body: ScheduleVideo, caller: Caller) -> Any:
    return service.schedule_video(case_id, body.starts_at)


@router.post("/{case_id}/video/invitations", summary="A participant's join link")
def invitation(case_id: str, body: InvitationRequest, caller: Caller) -> dict[str, Any]:
    return service.video_invitation(case_id, body.iin)


@router.post("/{case_id}/checks", response_model=CaseView, summary="Run the registrar's checks")
def checks(case_id: str, caller: Caller) -> Any:
    return registrar.run_checks(case_id, f"service:{caller.name}")


@router.post(
    "/{case_id}/decisions/{action}/draft", response_model=DecisionDraft, summary="The document to sign"
)
def draft(case_id: str, action: CaseAction, body: DraftRequest, caller: Caller) -> Any:
    return registrar.decision_draft(
        case_id, action.value, body.ground_code, body.reasons, list(body.documents_requested), body.term_days
    )


@router.post(
    "/{case_id}/decisions/{action}", response_model=CaseView, summary="A decision signed by the registrar"
)
def decide(case_id: str, action: CaseAction, body: RegistrarDecision, caller: Caller) -> Any:
    return registrar.decide(case_id, action.value, body.document_b64, body.cms_b64)


@router.post("/{case_id}/resume", response_model=CaseView, summary="Resume a suspended case")
def resume(case_id: str, body: ResumeRequest, caller: Caller) -> Any:
    return registrar.resume(case_id, list(body.documents), body.reason, f"service:{caller.name}")
