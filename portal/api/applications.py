"""Applications: create, consent, form, uploads, guarantors, solvency, finalise and sign."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import FileResponse, Response

from common.eds import EdsError, strip_pem_armour
from common.problems import Problem
from portal.api.deps import current_user
from portal.config import get_settings
from portal.schemas import CmsIn, FormIn, GuarantorIn, IncomeIn, NewApplicationIn
from portal.service import applications, guarantors
from portal.service.auth import User
from portal.service.files import file_path

router = APIRouter(prefix="/v1", tags=["applications"])


def cms_der(body: CmsIn) -> bytes:
    try:
        return strip_pem_armour(body.cms)
    except EdsError:
        raise Problem(422, "signature.malformed", "the signature is not a CMS (DER, PEM or base64)") from None


@router.post("/applications", status_code=201, summary="Apply (an invited person, within 15 days)")
def create(body: NewApplicationIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return applications.create_application(user, body.cadastral_number, body.term_months)


@router.get("/applications", summary="Applications: all for officers, one's own otherwise")
def index(user: User = Depends(current_user)) -> list[dict[str, Any]]:
    return applications.list_applications(user)


@router.get("/applications/{application_id}", summary="One application as its participants see it")
def show(application_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return applications.application_view(application_id, user)


@router.get("/applications/{application_id}/consent/artefact", summary="The consent to sign (canonical JSON)")
def consent_artefact(application_id: str, user: User = Depends(current_user)) -> Response:
    return Response(applications.consent_artefact(application_id, user), media_type="application/json")


@router.post("/applications/{application_id}/consent", summary="Grant consent with a CMS over the artefact")
def grant_consent(application_id: str, body: CmsIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return applications.grant_consent(application_id, user, cms_der(body))


@router.put("/applications/{application_id}/form", summary="What only the applicant knows")
def form(application_id: str, body: FormIn, user: User = Depends(current_user)) -> dict[str, Any]:
    values = body.model_dump(exclude_none=True, mode="json")
    return applications.update_form(application_id, user, values)


@router.post("/applications/{application_id}/uploads", status_code=201, summary="Attach a document")
async def upload(
    application_id: str,
    doc_type: str = Form(...),
    file: UploadFile = File(...),
    user: User = Depends(current_user),
) -> dict[str, Any]:
    data = await file.read(get_settings().upload_max_bytes + 1)
    return applications.add_upload(
        application_id,
        user,
        doc_type=doc_type,
        filename=file.filename or "document",
        media_type=file.content_type or "application/octet-stream",
        data=data,
    )


@router.get("/uploads/{upload_id}", summary="Download an attached document (its participants only)")
def download(upload_id: str, user: User = Depends(current_user)) -> FileResponse:
    row = applications.uploaded_file(upload_id, user)
    return FileResponse(file_path(row.sha256), media_type=row.media_type, filename=row.filename)


@router.post("/applications/{application_id}/guarantors", status_code=201, summary="Invite a guarantor")
def invite(application_id: str, body: GuarantorIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return guarantors.invite_guarantor(application_id, user, body.kind, body.identifier)


@router.get("/applications/{application_id}/solvency", summary="The solvency figures, each explained")
def solvency(application_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return applications.solvency(application_id, user)


@router.post("/applications/{application_id}/finalise", summary="Freeze the application for signatures")
def finalise(application_id: str, user: User = Depends(current_user)) -> dict[str, Any]:
    return applications.finalise(application_id, user)


@router.get("/applications/{application_id}/document", summary="The frozen application every signer signs")
def document(application_id: str, user: User = Depends(current_user)) -> Response:
    return Response(
        applications.frozen_document(application_id, user), media_type=applications.APPLICATION_MEDIA_TYPE
    )


@router.post("/applications/{application_id}/submit", summary="Sign and submit (after every guarantor)")
def submit(application_id: str, body: CmsIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return applications.submit(application_id, user, body.cms)


@router.get("/guarantees", summary="The applications one guarantees")
def my_guarantees(user: User = Depends(current_user)) -> list[dict[str, Any]]:
    return guarantors.my_guarantees(user)


@router.get("/guarantees/{guarantor_id}/consent/artefact", summary="The guarantor's consent to sign")
def guarantor_artefact(guarantor_id: str, user: User = Depends(current_user)) -> Response:
    return Response(guarantors.guarantor_artefact(guarantor_id, user), media_type="application/json")


@router.post("/guarantees/{guarantor_id}/consent", summary="The guarantor consents with a CMS")
def guarantor_consent(guarantor_id: str, body: CmsIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return guarantors.guarantor_grant(guarantor_id, user, cms_der(body))


@router.put(
    "/guarantees/{guarantor_id}/income", summary="The guarantor's income (or an employer's guarantee)"
)
def guarantor_income(guarantor_id: str, body: IncomeIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return guarantors.guarantor_income(guarantor_id, user, body.monthly_income)


@router.post("/guarantees/{guarantor_id}/signature", summary="The guarantor signs the application")
def guarantor_sign(guarantor_id: str, body: CmsIn, user: User = Depends(current_user)) -> dict[str, Any]:
    return guarantors.guarantor_sign(guarantor_id, user, body.cms)
