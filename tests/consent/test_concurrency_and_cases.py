"""Concurrent changes end in one consistent state; closing a case ends its consents."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from common.http_client import ServiceError
from consent.client import ConsentClient
from tests.consent.support import StandIn, Subject, ask, client_for, grant_by_otp, wait_until


def _race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions at the same moment; each result is its value or the ServiceError it raised."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(i: int, action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[i] = action()
        except ServiceError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_concurrent_grant_and_refusal_end_in_one_state(
    consent_url: str, portal: ConsentClient, subject: Subject
) -> None:
    for _ in range(3):
        view = ask(portal, subject.iin)
        cms = subject.sign(portal.artefact_bytes(view.id))
        with client_for(consent_url, "portal") as a, client_for(consent_url, "portal") as b:
            granted, rejected = _race(
                lambda a=a, cid=view.id, cms=cms: a.grant_with_cms(cid, cms),
                lambda b=b, cid=view.id: b.reject(cid, "no"),
            )

        failures = [r for r in (granted, rejected) if isinstance(r, ServiceError)]
        assert len(failures) == 1, (granted, rejected)
        assert failures[0].status == 409
        final = portal.get(view.id)
        assert final.status == ("REJECTED" if failures[0] is granted else "ACTIVE")
        assert [t.to_status for t in final.transitions] == ["PENDING", final.status]


def test_concurrent_withdrawal_decisions_end_in_one_state(
    consent_url: str, portal: ConsentClient, stand_in: StandIn, subject_iin: str
) -> None:
    view = ask(portal, subject_iin)
    grant_by_otp(portal, stand_in, view.id)
    portal.request_revocation(view.id, "I changed my mind")
    with (
        client_for(consent_url, "portal") as a,
        client_for(consent_url, "portal") as b,
        client_for(consent_url, "portal") as c,
    ):
        results = _race(
            lambda: a.decide_revocation(view.id, True, "accepted"),
            lambda: b.decide_revocation(view.id, False, "art. 8(2)"),
            lambda: c.close_case(view.case_ref),
        )

    final = portal.get(view.id)
    assert final.status in {"REVOKED", "REVOCATION_DENIED", "EXPIRED"}
    statuses = [t.to_status for t in final.transitions]
    assert statuses[:3] == ["PENDING", "ACTIVE", "REVOCATION_REQUESTED"]
    # exactly one decision took effect; a close that ran after a denial may expire the consent
    assert statuses.count("REVOKED") + statuses.count("REVOCATION_DENIED") <= 1
    assert sum(isinstance(r, ServiceError) for r in results[:2]) >= 1


def test_closing_the_case_expires_its_consents_only(
    portal: ConsentClient, gateway: ConsentClient, stand_in: StandIn, subject_iin: str
) -> None:
    in_case = grant_by_otp(portal, stand_in, ask(portal, subject_iin, case_ref="app-900").id)
    pending_in_case = ask(portal, subject_iin, case_ref="app-900", purpose="registration.encumbrance")
    elsewhere = grant_by_otp(portal, stand_in, ask(portal, subject_iin, case_ref="app-901").id)

    closed = portal.close_case("app-900")

    assert sorted(closed.expired) == sorted([in_case.id, pending_in_case.id])
    assert portal.get(in_case.id).status == "EXPIRED"
    assert portal.get(pending_in_case.id).status == "EXPIRED"
    assert portal.get(elsewhere.id).status == "ACTIVE"
    with pytest.raises(ServiceError) as refused:
        gateway.record_use(in_case.id, "registry_gateway", "rent_to_own.application", ["iin"], "")
    assert (refused.value.status, refused.value.code) == (403, "consent.not_active")
    assert portal.close_case("app-900").expired == []  # closing again changes nothing
    wait_until(lambda: any(c["body"]["status"] == "EXPIRED" for c in stand_in.callbacks_for(in_case.id)))
