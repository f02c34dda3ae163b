"""The subject's pages (kk/ru/en): their consents, full text, uses, and the buttons to answer.

A person arrives by a signed link (`?t=` token from `subject_link`, sent by SMS or shown in a
cabinet); the token names one consent and, through its MAC, the subject — who then sees all
of their consents. Forms post the token back, which also makes them unforgeable cross-site.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from common.problems import Problem
from consent.api.deps import consents
from consent.domain.catalogue import CATEGORY_LABELS, PURPOSE_LABELS, STATUS_LABELS, label
from consent.domain.lifecycle import IN_FORCE
from consent.domain.notice import notice_text
from consent.i18n import environment, pick_lang, translate
from consent.models import Consent
from consent.schemas import ConsentStatus
from consent.service import Actor, ConsentService

__all__ = ["router"]

router = APIRouter(prefix="/subject", tags=["subject pages"], include_in_schema=False)

Service = Annotated[ConsentService, Depends(consents)]
Token = Annotated[str, Query(alias="t", min_length=1, max_length=300)]
Lang = Annotated[str | None, Query(max_length=5)]
FormToken = Annotated[str, Form(alias="t", min_length=1, max_length=300)]
FormLang = Annotated[str, Form()]


def gettext_noop(message: str) -> str:
    """Marks a message for extraction; it is translated when shown."""
    return message


# Outcome codes → the message shown after a form (msgids translated in the templates' catalogue).
_MESSAGES = {
    "otp_sent": gettext_noop("A code has been sent to your phone."),
    "granted": gettext_noop("Thank you: your consent is given."),
    "rejected": gettext_noop("You refused to give consent."),
    "withdrawal_requested": gettext_noop(
        "Your request to withdraw the consent has been sent to the controller."
    ),
}
_FAILED = gettext_noop("The action failed.")
_ERRORS = {
    "consent.otp_wrong": gettext_noop("The code is wrong."),
    "consent.otp_expired": gettext_noop("The code has expired; ask for a new one."),
    "consent.otp_locked": gettext_noop("Too many wrong codes; ask for a new one."),
    "consent.otp_not_sent": gettext_noop("Ask for a code first."),
    "consent.otp_too_soon": gettext_noop("A code was sent a moment ago; please wait."),
    "consent.invalid_transition": gettext_noop("This is no longer possible: the consent has changed."),
}


def _subject_consent(svc: ConsentService, token: str, consent_id: str) -> Consent:
    subject = svc.subject_of_token(token)
    consent = svc.get_row(consent_id)
    if consent.subject_iin != subject:
        raise Problem(403, "consent.link_invalid", "This link does not open that consent")
    return consent


def _render(template: str, lang: str, **context: Any) -> HTMLResponse:
    return HTMLResponse(environment(lang).get_template(template).render(lang=lang, **context))


def _href(consent_id: str, suffix: str, token: str, lang: str) -> str:
    return f"/subject/consents/{consent_id}{suffix}?t={quote(token)}&lang={lang}"


@router.get("/consents", response_class=HTMLResponse)
def my_consents(svc: Service, t: Token, lang: Lang = None) -> HTMLResponse:
    subject = svc.subject_of_token(t)
    views = svc.list_for_subject(subject)
    chosen = pick_lang(lang)
    items = []
    for view in views:
        token = svc.token_for(svc.get_row(view.id))
        items.append(
            {
                "href": _href(view.id, "", token, chosen),
                "purpose": label(PURPOSE_LABELS, view.purpose, chosen),
                "status": label(STATUS_LABELS, view.status, chosen),
                "created": view.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                "uses": len(svc.uses(view.id)),
            }
        )
    masked = views[0].subject_iin if views else ""
    return _render("list.html", chosen, token=t, items=items, iin_masked=masked)


@router.get("/consents/{consent_id}", response_class=HTMLResponse)
def consent_page(
    consent_id: str,
    svc: Service,
    t: Token,
    lang: Lang = None,
    msg: Annotated[str | None, Query(max_length=40)] = None,
    err: Annotated[str | None, Query(max_length=60)] = None,
) -> HTMLResponse:
    row = _subject_consent(svc, t, consent_id)
    view = svc.get(consent_id)
    chosen = pick_lang(lang, row.lang)
    status = ConsentStatus(view.status)
    base = f"/subject/consents/{consent_id}"
    return _render(
        "consent.html",
        chosen,
        token=t,
        base=base,
        list_href=f"/subject/consents?t={quote(t)}&lang={chosen}",
        artefact_href=_href(consent_id, "/artefact", t, chosen),
        receipt_href=_href(consent_id, "/receipt", t, chosen),
        receipt_json_href=_href(consent_id, "/receipt.json", t, chosen),
        message=translate(chosen, _MESSAGES[msg]) if msg in _MESSAGES else None,
        error=translate(chosen, _ERRORS.get(err, _FAILED)) if err else None,
        error_code=err,
        status=label(STATUS_LABELS, status, chosen),
        subject_name=row.subject_name,
        iin_masked=view.subject_iin,
        purpose=label(PURPOSE_LABELS, view.purpose, chosen),
        artefact=view.artefact,
        notice=notice_text(chosen, svc.settings.parties),
        notice_sha256=view.artefact["notice"]["sha256"][chosen],
        categories=[label(CATEGORY_LABELS, c, chosen) for c in view.categories],
        can_grant=status is ConsentStatus.PENDING,
        can_withdraw=status in IN_FORCE,
        has_phone=bool(row.phone),
        decision_reason=view.decision_reason,
        uses=[
            {
                "at": u.at.strftime("%Y-%m-%d %H:%M UTC"),
                "by": u.requester,
                "categories": ", ".join(label(CATEGORY_LABELS, c, chosen) for c in u.categories),
                "detail": u.detail,
            }
            for u in svc.uses(consent_id)
        ],
        history=[
            {
                "at": h.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                "status": label(STATUS_LABELS, h.to_status, chosen),
                "actor": h.actor,
                "channel": h.channel,
                "reason": h.reason,
            }
            for h in view.transitions
        ],
    )


def _after(
    consent_id: str, token: str, lang: str, *, msg: str | None = None, err: str | None = None
) -> Response:
    url = _href(consent_id, "", token, pick_lang(lang))
    url += f"&msg={msg}" if msg else f"&err={quote(err or '')}"
    return RedirectResponse(url, status_code=303)


def _act(consent_id: str, token: str, lang: str, msg: str, action: Any) -> Response:
    """Run a subject's action; a refusal (wrong code, changed state) comes back as a page message."""
    try:
        action()
    except Problem as problem:
        if problem.code == "consent.link_invalid":
            raise
        return _after(consent_id, token, lang, err=problem.code)
    return _after(consent_id, token, lang, msg=msg)


@router.post("/consents/{consent_id}/otp")
def page_send_otp(consent_id: str, svc: Service, t: FormToken, lang: FormLang = "kk") -> Response:
    _subject_consent(svc, t, consent_id)
    return _act(consent_id, t, lang, "otp_sent", lambda: svc.send_otp(consent_id))


@router.post("/consents/{consent_id}/grant")
def page_grant(
    consent_id: str,
    svc: Service,
    t: FormToken,
    code: Annotated[str, Form(pattern=r"^[0-9]{4,8}$")],
    lang: FormLang = "kk",
) -> Response:
    _subject_consent(svc, t, consent_id)
    return _act(
        consent_id, t, lang, "granted", lambda: svc.grant_with_otp(consent_id, code, channel="page+otp")
    )


@router.post("/consents/{consent_id}/reject")
def page_reject(
    consent_id: str,
    svc: Service,
    t: FormToken,
    reason: Annotated[str, Form(max_length=500)] = "",
    lang: FormLang = "kk",
) -> Response:
    _subject_consent(svc, t, consent_id)
    actor = Actor("subject", "page")
    why = reason.strip() or "refused on the subject's page"
    return _act(consent_id, t, lang, "rejected", lambda: svc.reject(consent_id, why, actor))


@router.post("/consents/{consent_id}/withdraw")
def page_withdraw(
    consent_id: str,
    svc: Service,
    t: FormToken,
    reason: Annotated[str, Form(min_length=1, max_length=1000)],
    lang: FormLang = "kk",
) -> Response:
    _subject_consent(svc, t, consent_id)
    actor = Actor("subject", "page")
    return _act(
        consent_id, t, lang, "withdrawal_requested", lambda: svc.request_revocation(consent_id, reason, actor)
    )


@router.get("/consents/{consent_id}/artefact")
def page_artefact(consent_id: str, svc: Service, t: Token) -> Response:
    row = _subject_consent(svc, t, consent_id)
    return Response(row.artefact_json.encode(), media_type="application/json")


@router.get("/consents/{consent_id}/receipt.json")
def receipt_json(consent_id: str, svc: Service, t: Token) -> JSONResponse:
    _subject_consent(svc, t, consent_id)
    headers = {"Content-Disposition": f'attachment; filename="consent-{consent_id}.json"'}
    return JSONResponse(svc.receipt(consent_id), headers=headers)


@router.get("/consents/{consent_id}/receipt", response_class=HTMLResponse)
def receipt_page(consent_id: str, svc: Service, t: Token, lang: Lang = None) -> HTMLResponse:
    row = _subject_consent(svc, t, consent_id)
    chosen = pick_lang(lang, row.lang)
    receipt = svc.receipt(consent_id)
    return _render(
        "receipt.html",
        chosen,
        token=t,
        r=receipt,
        purpose=label(PURPOSE_LABELS, row.purpose, chosen),
        status=label(STATUS_LABELS, row.status, chosen),
        categories=[label(CATEGORY_LABELS, c, chosen) for c in row.categories],
    )
