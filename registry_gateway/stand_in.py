"""The stand-in state systems: the individuals and legal-entities databases, the civil registry,
the cadastre, the lists, credit histories and court cases — over this service's own tables,
seeded deterministically, and extended by the scenario API for tests and demos."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, col, func, or_, select

from common.calendar import local_date
from common.ids import check_digit, make_iin, parse_iin
from common.problems import Problem
from registry_gateway.domain.identifiers import make_address_code, make_cadastral_number
from registry_gateway.domain.seed import (
    HOUSING_COMPANY_BIN,
    SEED_ENTITIES,
    SEED_PERSONS,
    SEED_PROPERTIES,
)
from registry_gateway.models import (
    CivilActRow,
    Encumbrance,
    LegalEntity,
    Person,
    Property,
    Right,
    SheetLine,
)
from registry_gateway.schemas import (
    CivilAct,
    CivilActsRecord,
    CourtCase,
    CourtCasesRecord,
    CreditHistory,
    EncumbranceRecord,
    FamilyRecord,
    LegalEntityRecord,
    OwnershipHistory,
    OwnershipRecord,
    PersonName,
    PersonRecord,
    PropertyRecord,
    RightRecord,
    ScenarioPerson,
    ScenarioProperty,
    SheetEntry,
)

__all__ = ["StandInStateSystems", "append_sheet_line", "seed", "seed_summary"]

_OFFICE = "Астана қ. АХАЖ бөлімі"
_SURNAMES = (("Сейітов", "Сеитов"), ("Әлиев", "Алиев"), ("Төлегенов", "Тулегенов"), ("Жақыпов", "Жакыпов"))
# Scenario persons take serials from here on (the seed's are lower); 1800 is the earliest
# birth year an IIN can encode.
_SYNTHETIC_SERIALS = range(8000, 10_000)
_EARLIEST_BIRTH = date(1800, 1, 1)
_GIVEN = {"M": (("Нұрлан", "Нурлан"), ("Ерлан", "Ерлан")), "F": (("Әйгерім", "Айгерим"), ("Сәуле", "Сауле"))}


def _today() -> date:
    return local_date(datetime.now(UTC))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class StandInStateSystems:
    """Implements `domain.ports.StateSystems` over one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def person(self, iin: str) -> PersonRecord | None:
        row = self.session.get(Person, iin)
        if row is None:
            return None
        return PersonRecord(
            iin=row.iin,
            name_kk=PersonName(
                surname=row.surname_kk, given_name=row.given_name_kk, patronymic=row.patronymic_kk
            ),
            name_ru=PersonName(
                surname=row.surname_ru, given_name=row.given_name_ru, patronymic=row.patronymic_ru
            ),
            birth_date=row.birth_date,
            sex=row.sex,  # type: ignore[arg-type]
            citizenship=row.citizenship,
            residence_permit=row.residence_permit,
            address=row.address,
            address_registered_on=row.address_registered_on,
            phone=row.phone,
            marital_status=row.marital_status,  # type: ignore[arg-type]
            spouse_iin=row.spouse_iin,
            legal_capacity=row.legal_capacity,  # type: ignore[arg-type]
            dispensary_registered=row.dispensary_registered,
            deceased_on=row.deceased_on,
            photo_url=f"/v1/persons/{row.iin}/photo-placeholder.svg",
        )

    def family(self, iin: str) -> FamilyRecord | None:
        row = self.session.get(Person, iin)
        if row is None:
            return None
        return FamilyRecord(
            iin=iin,
            marital_status=row.marital_status,  # type: ignore[arg-type]
            spouse_iin=row.spouse_iin,
            children_iins=list(row.children_iins),
        )

    def legal_entity(self, bin: str) -> LegalEntityRecord | None:
        row = self.session.get(LegalEntity, bin)
        if row is None:
            return None
        return LegalEntityRecord(
            bin=row.bin,
            name_kk=row.name_kk,
            name_ru=row.name_ru,
            head_iin=row.head_iin,
            registered_on=row.registered_on,
            address=row.address,
            authorised_signers=list(row.authorised_signers),
        )

    def civil_acts(self, iin: str) -> CivilActsRecord:
        rows = self.session.exec(
            select(CivilActRow)
            .where(or_(CivilActRow.party_a == iin, CivilActRow.party_b == iin))
            .order_by(col(CivilActRow.registered_on))
        ).all()
        acts = [
            CivilAct(
                kind=r.kind,  # type: ignore[arg-type]
                number=r.number,
                registered_on=r.registered_on,
                office=r.office,
                parties=[p for p in (r.party_a, r.party_b) if p],
            )
            for r in rows
        ]
        return CivilActsRecord(iin=iin, acts=acts)

    def property(self, cadastral_number: str) -> PropertyRecord | None:
        row = self.session.get(Property, cadastral_number)
        if row is None:
            return None
        rights = self.session.exec(
            select(Right).where(Right.cadastral_number == cadastral_number).order_by(col(Right.since))
        ).all()
        encumbrances = self.session.exec(
            select(Encumbrance)
            .where(Encumbrance.cadastral_number == cadastral_number)
            .order_by(col(Encumbrance.registered_at))
        ).all()
        sheet = self.session.exec(
            select(SheetLine)
            .where(SheetLine.cadastral_number == cadastral_number)
            .order_by(col(SheetLine.seq))
        ).all()
        return PropertyRecord(
            cadastral_number=row.cadastral_number,
            address_code=row.address_code,
            address=row.address,
            kind=row.kind,  # type: ignore[arg-type]
            total_area=row.total_area,
            living_area=row.living_area,
            rooms=row.rooms,
            floor=row.floor,
            floors=row.floors,
            year_built=row.year_built,
            owner_iin=row.owner_iin,
            owner_bin=row.owner_bin,
            rights=[
                RightRecord(
                    kind="ownership",
                    holder_iin=r.holder_iin,
                    holder_bin=r.holder_bin,
                    share=r.share,
                    since=r.since,
                    until=r.until,
                    basis=r.basis,
                )
                for r in rights
            ],
            encumbrances=[_encumbrance_record(e) for e in encumbrances],
            registration_sheet=[
                SheetEntry(
                    seq=s.seq,
                    action=s.action,
                    case_id=s.case_id,
                    holder=s.holder,
                    basis=s.basis,
                    registrar_iin=s.registrar_iin,
                    recorded_at=_utc(s.recorded_at),
                )
                for s in sheet
            ],
        )

    def ownership_history(self, iin: str, years: int) -> OwnershipHistory:
        start = _today().replace(year=_today().year - years)
        rows = self.session.exec(
            select(Right, Property)
            .join(Property, col(Property.cadastral_number) == col(Right.cadastral_number))
            .where(Right.holder_iin == iin, or_(col(Right.until).is_(None), col(Right.until) >= start))
            .order_by(col(Right.since))
        ).all()
        records = [
            OwnershipRecord(
                cadastral_number=r.cadastral_number,
                address=p.address,
                since=r.since,
                until=r.until,
                share=r.share,
            )
            for r, p in rows
        ]
        return OwnershipHistory(iin=iin, years=years, from_date=start, records=records)

    def credit_history(self, iin: str) -> CreditHistory | None:
        row = self.session.get(Person, iin)
        if row is None:
            return None
        credit = row.credit
        return CreditHistory(
            iin=iin,
            active_loans=int(credit.get("active_loans", 0)),
            total_debt=Decimal(credit.get("total_debt", "0")),
            monthly_payments=Decimal(credit.get("monthly_payments", "0")),
            max_overdue_days=int(credit.get("max_overdue_days", 0)),
            closed_loans=int(credit.get("closed_loans", 0)),
            as_of=_today(),
        )

    def court_cases(self, iin: str) -> CourtCasesRecord:
        row = self.session.get(Person, iin)
        cases = [CourtCase.model_validate(c) for c in (row.court_cases if row else [])]
        return CourtCasesRecord(iin=iin, cases=cases)

    def terrorism_list_hit(self, iin_or_bin: str) -> bool:
        person = self.session.get(Person, iin_or_bin)
        if person is not None:
            return person.on_terrorism_list
        entity = self.session.get(LegalEntity, iin_or_bin)
        return bool(entity and entity.on_terrorism_list)

    def affiliated_with_housing_company(self, iin: str) -> bool:
        person = self.session.get(Person, iin)
        return bool(person and person.affiliated_with_housing_company)

    def live_encumbrances(self, cadastral_number: str) -> list[Encumbrance]:
        return list(
            self.session.exec(
                select(Encumbrance).where(
                    Encumbrance.cadastral_number == cadastral_number, col(Encumbrance.terminated_at).is_(None)
                )
            ).all()
        )

    # ------------------------------------------------------------ scenario

    def create_person(self, spec: ScenarioPerson) -> PersonRecord:
        sex = spec.sex or "M"
        born = spec.birth_date or date(1990, 1, 1)
        if not _EARLIEST_BIRTH <= born <= _today():
            raise Problem(
                422,
                "scenario.birth_date_out_of_range",
                f"an IIN encodes a birth date from {_EARLIEST_BIRTH} to today, not {born}",
            )
        iin = self._free_iin(born, sex)
        pick = int(iin[7:11])
        surname_kk, surname_ru = _SURNAMES[pick % len(_SURNAMES)]
        given_kk, given_ru = _GIVEN[sex][pick % 2]
        if sex == "F":
            surname_kk, surname_ru = surname_kk + "а", surname_ru + "а"
        surname = spec.surname
        given = spec.given_name
        row = Person(
            iin=iin,
            surname_kk=surname or surname_kk,
            given_name_kk=given or given_kk,
            patronymic_kk=spec.patronymic,
            surname_ru=surname or surname_ru,
            given_name_ru=given or given_ru,
            patronymic_ru=spec.patronymic,
            birth_date=born,
            sex=sex,
            citizenship=spec.citizenship,
            residence_permit=spec.residence_permit,
            address=spec.address or f"Астана қ., Сарайшық көшесі, {pick % 90 + 1}",
            address_registered_on=date(2020, 2, 1),
            phone=spec.phone or f"+7701{iin[-7:]}",
            legal_capacity=spec.legal_capacity,
            dispensary_registered=spec.dispensary_registered,
            on_terrorism_list=spec.on_terrorism_list,
            affiliated_with_housing_company=spec.affiliated_with_housing_company,
            credit={
                "active_loans": str(spec.active_loans),
                "total_debt": str(spec.total_debt),
                "monthly_payments": str(spec.monthly_payments),
                "max_overdue_days": str(spec.max_overdue_days),
            },
            court_cases=[c.model_dump(mode="json") for c in spec.court_cases],
        )
        self.session.add(row)
        if spec.married_to:
            spouse = self.session.get(Person, spec.married_to)
            if spouse is None:
                raise Problem(404, "registry.person_not_found", f"no person {spec.married_to} to marry")
            if spouse.marital_status == "married":
                raise Problem(409, "registry.already_married", f"{spec.married_to} is already married")
            _marry(self.session, row, spouse, date(2018, 8, 25))
        for number in spec.owned_properties:
            if self.session.get(Property, number) is None:
                raise Problem(404, "registry.property_not_found", f"no property {number}")
            self.session.add(
                Right(
                    cadastral_number=number,
                    holder_iin=iin,
                    since=_today() - timedelta(days=3 * 365),
                    until=_today() - timedelta(days=365),
                    basis="договор купли-продажи (synthetic)",
                )
            )
        self.session.flush()
        record = self.person(iin)
        assert record is not None
        return record

    def _free_iin(self, born: date, sex: str) -> str:
        """A free IIN for this birth date and sex among the synthetic serials; the search starts
        past the persons already made (usually free at once) and wraps round."""
        prefix = make_iin(born, sex)[:7]  # the birth date and the century/sex digit
        taken = int(self.session.exec(select(func.count()).select_from(Person)).one())
        span = len(_SYNTHETIC_SERIALS)
        for step in range(span):
            first11 = f"{prefix}{_SYNTHETIC_SERIALS[(taken + step) % span]:04d}"
            digit = check_digit(first11)
            if digit is not None and self.session.get(Person, first11 + str(digit)) is None:
                return first11 + str(digit)
        raise Problem(409, "scenario.iin_exhausted", f"every synthetic IIN for {born} ({sex}) is taken")

    def create_property(self, spec: ScenarioProperty) -> PropertyRecord:
        count = int(self.session.exec(select(func.count()).select_from(Property)).one())
        serial = 100 + count
        while self.session.get(Property, make_cadastral_number(serial)) is not None:
            serial += 1
        owner_bin = spec.owner_bin if (spec.owner_bin or spec.owner_iin) else HOUSING_COMPANY_BIN
        row = Property(
            cadastral_number=make_cadastral_number(serial),
            address_code=make_address_code(serial + 1),
            address=spec.address
            or f"Астана қ., Ұлы Дала даңғылы, {serial // 100 + 21}, пәтер {serial % 100 + 1}",
            kind=spec.kind,
            total_area=spec.total_area,
            living_area=spec.living_area,
            rooms=spec.rooms,
            floor=spec.floor,
            floors=spec.floors,
            year_built=spec.year_built,
            owner_iin=spec.owner_iin,
            owner_bin=owner_bin,
        )
        self.session.add(row)
        _register_ownership(self.session, row, date(spec.year_built, 12, 20))
        if spec.encumbrance:
            _encumber(self.session, row.cadastral_number, spec.encumbrance, None)
        self.session.flush()
        record = self.property(row.cadastral_number)
        assert record is not None
        return record


def _encumbrance_record(e: Encumbrance) -> EncumbranceRecord:
    return EncumbranceRecord(
        id=e.id,
        kind=e.kind,  # type: ignore[arg-type]
        holder_iin=e.holder_iin,
        holder_bin=e.holder_bin,
        registered_at=_utc(e.registered_at),
        terminated_at=_utc(e.terminated_at) if e.terminated_at else None,
        basis=e.basis,
        case_id=e.case_id,
    )


def append_sheet_line(session: Session, cadastral_number: str, **fields: object) -> SheetLine:
    """Add the next line of the property's registration sheet (lines are never changed)."""
    last = session.exec(
        select(func.max(SheetLine.seq)).where(SheetLine.cadastral_number == cadastral_number)
    ).one()
    line = SheetLine(cadastral_number=cadastral_number, seq=(last or 0) + 1, **fields)  # type: ignore[arg-type]
    session.add(line)
    session.flush()
    return line


def _marry(session: Session, a: Person, b: Person, on: date) -> None:
    a.marital_status = b.marital_status = "married"
    a.spouse_iin, b.spouse_iin = b.iin, a.iin
    number = f"AKT-M-{on.year}-{a.iin[-5:]}{b.iin[-5:]}"
    session.add(
        CivilActRow(
            kind="marriage", number=number, registered_on=on, office=_OFFICE, party_a=a.iin, party_b=b.iin
        )
    )


def _register_ownership(session: Session, row: Property, since: date) -> None:
    holder = row.owner_bin or row.owner_iin
    basis = "акт ввода в эксплуатацию (synthetic)"
    session.add(
        Right(
            cadastral_number=row.cadastral_number,
            holder_iin=row.owner_iin,
            holder_bin=row.owner_bin,
            since=since,
            basis=basis,
        )
    )
    session.flush()
    append_sheet_line(
        session, row.cadastral_number, action="ownership.registered", holder=holder, basis=basis
    )


def _encumber(session: Session, cadastral_number: str, kind: str, holder_iin: str | None) -> None:
    basis = {
        "lease": "договор аренды с выкупом",
        "mortgage": "договор ипотеки",
        "arrest": "постановление суда",
    }
    session.add(
        Encumbrance(
            cadastral_number=cadastral_number,
            kind=kind,
            holder_iin=holder_iin,
            basis=basis[kind] + " (synthetic)",
        )
    )
    append_sheet_line(
        session, cadastral_number, action="encumbrance.registered", holder=holder_iin, basis=basis[kind]
    )


def seed(session: Session) -> None:
    """Load the deterministic seed once (a second run finds it and does nothing)."""
    if session.get(Person, SEED_PERSONS[0].iin) is not None:
        return
    by_key: dict[str, Person] = {}
    for p in SEED_PERSONS:
        row = Person(
            iin=p.iin,
            surname_kk=p.kk[0],
            given_name_kk=p.kk[1],
            patronymic_kk=p.kk[2],
            surname_ru=p.ru[0],
            given_name_ru=p.ru[1],
            patronymic_ru=p.ru[2],
            birth_date=parse_iin(p.iin).birth_date,
            sex=str(parse_iin(p.iin).sex),
            address=p.address,
            address_registered_on=date(2019, 4, 1),
            phone=p.phone,
            on_terrorism_list=p.on_terrorism_list,
            affiliated_with_housing_company=p.affiliated,
            credit=dict(p.credit),
        )
        session.add(row)
        by_key[p.key] = row
    session.flush()
    married = {p.key: p.spouse_key for p in SEED_PERSONS if p.spouse_key}
    for key, spouse_key in married.items():
        if key < spouse_key:  # type: ignore[operator]
            _marry(session, by_key[key], by_key[spouse_key], date(2015, 9, 12))  # type: ignore[index]
    for e in SEED_ENTITIES:
        session.add(
            LegalEntity(
                bin=e.bin,
                name_kk=e.name_kk,
                name_ru=e.name_ru,
                head_iin=by_key[e.head_key].iin,
                registered_on=e.registered_on,
                address=e.address,
            )
        )
    for f in SEED_PROPERTIES:
        row = Property(
            cadastral_number=f.cadastral_number,
            address_code=f.address_code,
            address=f.address,
            total_area=f.total_area,
            living_area=f.living_area,
            rooms=f.rooms,
            floor=f.floor,
            floors=12,
            year_built=2023,
            owner_bin=HOUSING_COMPANY_BIN,
        )
        session.add(row)
        _register_ownership(session, row, date(2023, 12, 20))
        if f.encumbrance:
            holder = by_key[f.encumbrance_holder_key].iin if f.encumbrance_holder_key else None
            _encumber(session, f.cadastral_number, f.encumbrance, holder)
    session.flush()


def seed_summary() -> dict[str, dict[str, str]]:
    """The seed's identifiers by role, for demos and tests."""
    return {
        "persons": {p.key: p.iin for p in SEED_PERSONS},
        "entities": {e.key: e.bin for e in SEED_ENTITIES},
        "properties": {f.key: f.cadastral_number for f in SEED_PROPERTIES},
    }
