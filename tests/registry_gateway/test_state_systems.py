"""The state systems: the seeded cadastre and lists answer anyone with a service token;
personal data only under the subject's consent, each release recorded as a use."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.http_client import ServiceError
from common.service_keys import development_key
from consent.client import ConsentClient
from consent.main import create_app as create_consent_app
from registry_gateway.domain.seed import HOUSING_COMPANY_BIN
from tests.registry_gateway.conftest import SEED, World, person_signer
from tests.support.live import serve


def test_the_cadastre_and_lists_are_seeded(world: World) -> None:
    seed = world.rg.seed()
    flat = world.rg.property(seed["properties"]["flat_encumbered"])
    assert len(flat.address_code) == 16
    assert flat.address_code.isdigit()
    assert flat.owner_bin == HOUSING_COMPANY_BIN
    assert flat.rights[0].holder_bin == HOUSING_COMPANY_BIN
    assert [e.kind for e in flat.encumbrances if e.terminated_at is None] == ["lease"]
    assert [s.action for s in flat.registration_sheet] == ["ownership.registered", "encumbrance.registered"]
    assert world.rg.terrorism_list_hit(SEED["listed_person"].iin)
    assert not world.rg.terrorism_list_hit(SEED["applicant_single"].iin)
    assert world.rg.affiliated_with_housing_company(SEED["kzhk_head"].iin)
    assert world.rg.legal_entity(HOUSING_COMPANY_BIN).head_iin == SEED["kzhk_head"].iin
    with pytest.raises(ServiceError) as missing:
        world.rg.property("01:012:045:999:1:1")
    assert missing.value.code == "registry.property_not_found"


def test_scenario_people_marry_and_own_flats(world: World) -> None:
    flat = world.rg.scenario_property(rooms=3)
    assert flat.owner_bin == HOUSING_COMPANY_BIN
    assert flat.rooms == 3
    wife = world.rg.scenario_person(sex="F", surname="Ержанова")
    husband = world.rg.scenario_person(sex="M", married_to=wife.iin, on_terrorism_list=True)
    assert husband.marital_status == "married"
    assert husband.spouse_iin == wife.iin
    assert world.rg.terrorism_list_hit(husband.iin)


def test_personal_data_needs_the_subjects_consent(world: World, shared_pki: Path, monkeypatch) -> None:
    monkeypatch.setenv("CONSENT_PKI_DIR", str(shared_pki))
    subject = person_signer("applicant_married")
    with serve(create_consent_app()) as consent_url:
        monkeypatch.setenv("RTO_CONSENT_URL", consent_url)
        with ConsentClient(consent_url, caller_key=development_key("portal")) as consent:
            view = consent.request_consent(
                subject.iin, "ASANOV ASAN", "rent_to_own.application", "portal", "APP-9"
            )
            consent.grant_with_cms(view.id, subject.sign(consent.artefact_bytes(view.id)))

            person = world.rg.person(subject.iin, purpose="rent_to_own.application", consent_id=view.id)
            assert person.name_kk.surname == "Асанов"
            assert person.marital_status == "married"
            assert person.spouse_iin == SEED["spouse"].iin
            acts = world.rg.civil_acts(subject.iin, purpose="rent_to_own.application", consent_id=view.id)
            assert [a.kind for a in acts.acts] == ["marriage"]
            uses = consent.uses(view.id)
            assert [u.requester for u in uses] == ["registry_gateway", "registry_gateway"]
            assert all(u.detail.endswith("for portal") for u in uses)

            with pytest.raises(ServiceError) as someone_else:
                world.rg.person(SEED["spouse"].iin, purpose="rent_to_own.application", consent_id=view.id)
            assert someone_else.value.status == 403
            assert someone_else.value.code == "consent.subject_mismatch"
            with pytest.raises(ServiceError) as unknown:
                world.rg.credit_history(subject.iin, purpose="rent_to_own.application", consent_id="nope")
            assert unknown.value.status == 403
            assert len(consent.uses(view.id)) == 2
