"""Wire models of the registry_gateway API: the contract other services and clients rely on.

Money travels as a decimal string, times as timezone-aware ISO 8601 (UTC), identifiers as
12-digit IIN/BIN strings. State-system records are what the stand-in cadastre and registries
answer; case models are the registration cases of stages 2 and 3 of the pilot.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from videoconf.schemas import SessionTime

__all__ = [
    "CHECK_CODES",
    "CaseAction",
    "CaseKind",
    "CaseState",
    "CaseStatus",
    "CaseView",
    "CheckView",
    "CivilAct",
    "CivilActsRecord",
    "CourtCase",
    "CourtCasesRecord",
    "CreditHistory",
    "DecisionDraft",
    "DecisionView",
    "DocumentSpec",
    "DocumentView",
    "DraftRequest",
    "EncumbranceRecord",
    "FamilyRecord",
    "FeeView",
    "LegalEntityRecord",
    "ListHit",
    "OwnershipHistory",
    "OwnershipRecord",
    "PartyRole",
    "PartySpec",
    "PartyView",
    "PayFee",
    "PaymentReceipt",
    "PersonName",
    "PersonRecord",
    "PropertyRecord",
    "RegistrarDecision",
    "ResumeRequest",
    "RightRecord",
    "ScenarioPerson",
    "ScenarioProperty",
    "ScheduleVideo",
    "SheetEntry",
    "SignApplication",
    "SignerSummary",
    "SubmitCase",
    "TransitionView",
    "VideoView",
]


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


# Bounds on what clients send: identifiers by shape, free text by the columns that keep it,
# numbers by what a flat, a loan or a fee can really be (and what the database can store).
_IIN = r"^[0-9]{12}$"
_HEX64 = r"^[0-9a-f]{64}$"
_PHONE = r"^\+?[0-9]{10,15}$"
_CADASTRAL = r"^[0-9A-Za-z:\-/.]{1,40}$"
_MAX_B64 = 28_000_000  # base64 of a 20 MiB document
_MAX_CMS_B64 = 400_000  # a detached CMS with its certificates is a few kilobytes
Name = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(min_length=1, max_length=300)]
Ref = Annotated[str, Field(min_length=1, max_length=100)]
IinText = Annotated[str, Field(pattern=_IIN)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


# ---------------------------------------------------------------- state systems


class PersonName(_Wire):
    surname: str
    given_name: str
    patronymic: str | None = None

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)


class PersonRecord(_Wire):
    """The individuals database (ЖТ МДБ) record of one person."""

    iin: str
    name_kk: PersonName
    name_ru: PersonName
    birth_date: date
    sex: Literal["M", "F"]
    citizenship: str  # ISO 3166 alpha-2; "KZ" for citizens
    residence_permit: str | None = None  # number of the permit for a non-citizen
    address: str
    address_registered_on: date | None = None
    phone: str | None = None
    marital_status: Literal["single", "married", "divorced", "widowed"]
    spouse_iin: str | None = None
    legal_capacity: Literal["full", "limited", "none"] = "full"
    dispensary_registered: bool = False
    deceased_on: date | None = None
    photo_url: str | None = None  # a placeholder: the stand-in keeps no photographs


class FamilyRecord(_Wire):
    iin: str
    marital_status: Literal["single", "married", "divorced", "widowed"]
    spouse_iin: str | None = None
    children_iins: list[str] = []


class LegalEntityRecord(_Wire):
    """The legal entities database (ЗТ МДБ) record."""

    bin: str
    name_kk: str
    name_ru: str
    head_iin: str
    registered_on: date
    address: str
    authorised_signers: list[str] = []  # IINs that may sign for the entity besides the head


class CivilAct(_Wire):
    """A civil registry (АХАЖ) act record."""

    kind: Literal["birth", "marriage", "divorce", "death"]
    number: str
    registered_on: date
    office: str
    parties: list[str]  # IINs named in the act


class CivilActsRecord(_Wire):
    iin: str
    acts: list[CivilAct]


class RightRecord(_Wire):
    kind: Literal["ownership"]
    holder_iin: str | None = None
    holder_bin: str | None = None
    share: str = "1/1"
    since: date
    until: date | None = None
    basis: str


class EncumbranceRecord(_Wire):
    id: str
    kind: Literal["lease", "mortgage", "arrest"]
    holder_iin: str | None = None
    holder_bin: str | None = None
    registered_at: datetime
    terminated_at: datetime | None = None
    basis: str
    case_id: str | None = None
    chain_index: int | None = None

    @property
    def live(self) -> bool:
        return self.terminated_at is None


class SheetEntry(_Wire):
    """One line of the property's registration sheet; lines are only ever appended."""

    seq: int
    action: str  # ownership.registered, encumbrance.registered, encumbrance.terminated, ...
    case_id: str | None = None
    holder: str | None = None  # IIN or BIN of whom the entry concerns
    basis: str
    registrar_iin: str | None = None
    recorded_at: datetime


class PropertyRecord(_Wire):
    """The unified real-estate cadastre (ЖМБМК) record of one object."""

    cadastral_number: str
    address_code: str = Field(pattern=r"^\d{16}$")  # РКА, registration code of the address
    address: str
    kind: Literal["apartment", "house", "non_residential"]
    total_area: Decimal
    living_area: Decimal
    rooms: int
    floor: int
    floors: int
    year_built: int
    owner_iin: str | None = None
    owner_bin: str | None = None
    rights: list[RightRecord]
    encumbrances: list[EncumbranceRecord]
    registration_sheet: list[SheetEntry]


class OwnershipRecord(_Wire):
    cadastral_number: str
    address: str
    since: date
    until: date | None = None
    share: str = "1/1"


class OwnershipHistory(_Wire):
    iin: str
    years: int
    from_date: date
    records: list[OwnershipRecord]

    @property
    def owned_any(self) -> bool:
        return bool(self.records)


class CreditHistory(_Wire):
    iin: str
    active_loans: int
    total_debt: Decimal
    monthly_payments: Decimal
    max_overdue_days: int
    closed_loans: int = 0
    as_of: date


class CourtCase(_Wire):
    number: Ref
    court: Text
    kind: Literal["civil", "criminal", "administrative"]
    role: Literal["plaintiff", "defendant", "accused", "third_party"]
    status: Literal["open", "closed"]
    opened_on: date


class CourtCasesRecord(_Wire):
    iin: str
    cases: list[CourtCase]


class ListHit(_Wire):
    subject: str
    hit: bool
    list_name: str
    checked_at: datetime


class ScenarioPerson(_Wire):
    """Create a synthetic person (tests and demos only); omitted fields get realistic defaults."""

    surname: Name | None = None
    given_name: Name | None = None
    patronymic: Name | None = None
    sex: Literal["M", "F"] | None = None
    birth_date: date | None = None  # 1800-01-01 .. today: what an IIN can encode
    citizenship: str = Field(default="KZ", pattern=r"^[A-Z]{2}$")
    residence_permit: Ref | None = None
    address: Text | None = None
    phone: str | None = Field(default=None, pattern=_PHONE)
    married_to: IinText | None = None  # an existing person's IIN: both become married, with an act
    legal_capacity: Literal["full", "limited", "none"] = "full"
    dispensary_registered: bool = False
    on_terrorism_list: bool = False
    affiliated_with_housing_company: bool = False
    active_loans: int = Field(default=0, ge=0, le=1000)
    total_debt: Money = Decimal("0")
    monthly_payments: Money = Decimal("0")
    max_overdue_days: int = Field(default=0, ge=0, le=36_500)
    court_cases: list[CourtCase] = Field(default=[], max_length=20)
    # cadastral numbers owned in the last five years (history only)
    owned_properties: list[Annotated[str, Field(pattern=_CADASTRAL)]] = Field(default=[], max_length=20)


class ScenarioProperty(_Wire):
    """Create a synthetic property (tests and demos only); owner defaults to the housing company."""

    owner_iin: IinText | None = None
    owner_bin: IinText | None = None
    address: Text | None = None
    kind: Literal["apartment", "house", "non_residential"] = "apartment"
    total_area: Decimal = Field(default=Decimal("54.30"), gt=0, max_digits=9, decimal_places=2)
    living_area: Decimal = Field(default=Decimal("32.10"), ge=0, max_digits=9, decimal_places=2)
    rooms: int = Field(default=2, ge=0, le=100)
    floor: int = Field(default=3, ge=-5, le=200)
    floors: int = Field(default=9, ge=1, le=200)
    year_built: int = Field(default=2023, ge=1800, le=2100)
    encumbrance: Literal["lease", "mortgage", "arrest"] | None = None  # an existing, live one


# ---------------------------------------------------------------- registration cases


class CaseKind(StrEnum):
    LEASE = "encumbrance.lease"
    TERMINATION = "encumbrance.termination"
    OWNERSHIP = "ownership.transfer"


class CaseState(StrEnum):
    SUBMITTED = "submitted"
    AWAITING_SIGNATURES = "awaiting_signatures"
    AWAITING_PAYMENT = "awaiting_payment"
    AWAITING_VIDEO = "awaiting_video"
    CHECKING = "checking"
    REGISTERED = "registered"
    SUSPENDED = "suspended"
    REFUSED = "refused"


class CaseAction(StrEnum):
    REGISTER = "register"
    SUSPEND = "suspend"
    REFUSE = "refuse"


PartyRole = Literal["applicant", "spouse", "housing_company", "guarantor"]

# The checks of §23-24 and §32-33, in the order the registrar reads them.
CHECK_CODES = (
    "fee_paid",
    "signatures_valid",
    "spouse_present",
    "no_preventing_encumbrance",
    "terrorism_list_clear",
    "video_positive",
    "property_exists",
)


class PartySpec(_Wire):
    """A participant of the deal: a person (IIN) or a legal entity (BIN) acting through a representative."""

    iin: IinText | None = None
    bin: IinText | None = None
    role: PartyRole
    representative_iin: IinText | None = None  # who signs and joins the video for a legal entity

    @model_validator(mode="after")
    def _one_identifier(self) -> PartySpec:
        if (self.iin is None) == (self.bin is None):
            raise ValueError("a party has exactly one of iin or bin")
        return self

    @property
    def identifier(self) -> str:
        return self.iin or self.bin or ""


class DocumentSpec(_Wire):
    """A document of the case, its bytes (base64) and, when signed, its detached CMS (base64 DER)."""

    name: Text
    sha256: str = Field(pattern=_HEX64)
    media_type: str = Field(max_length=200, pattern=r"^[a-z]+/[0-9A-Za-z.+\-]+(;[ -~]*)?$")
    content_b64: str = Field(max_length=_MAX_B64)
    cms_b64: str | None = Field(default=None, min_length=1, max_length=_MAX_CMS_B64)


class SubmitCase(_Wire):
    kind: CaseKind
    cadastral_number: str = Field(pattern=_CADASTRAL)
    parties: list[PartySpec] = Field(min_length=1, max_length=10)
    documents: list[DocumentSpec] = Field(min_length=1, max_length=20)
    portal_ref: Ref
    related_case: Ref | None = None
    consent_id: Ref | None = None


class SignApplication(_Wire):
    party: IinText  # IIN or BIN of the party signing
    cms_b64: str = Field(min_length=1, max_length=_MAX_CMS_B64)  # detached CMS over the application


class RegistrarDecision(_Wire):
    """A registrar's decision: the drafted decision document and the registrar's CMS over it.
    What is decided (ground, reasons, documents requested, term) is read from the signed document."""

    document_b64: str = Field(min_length=1, max_length=100_000)
    cms_b64: str = Field(min_length=1, max_length=_MAX_CMS_B64)


class DraftRequest(_Wire):
    ground_code: str | None = Field(default=None, max_length=40)  # art. 27 (suspend) / art. 31 (refuse)
    reasons: str | None = Field(default=None, max_length=2000)
    documents_requested: list[Text] = Field(default=[], max_length=20)
    term_days: int | None = Field(default=None, ge=1, le=90)  # suspension term in calendar days


class ResumeRequest(_Wire):
    documents: list[DocumentSpec] = Field(default=[], max_length=20)
    reason: str = Field(min_length=1, max_length=1000)


class SignerSummary(_Wire):
    iin: str | None = None
    bin: str | None = None
    name: str | None = None
    indication: str  # TOTAL_PASSED / TOTAL_FAILED / INDETERMINATE
    sub_indication: str | None = None
    role: str | None = None
    signed_at: datetime | None = None


class DocumentView(_Wire):
    id: str
    name: str
    sha256: str
    media_type: str
    size: int
    signers: list[SignerSummary] = []


class PayFee(_Wire):
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    payer: IinText | None = None  # IIN of who pays; the applicant by default


class ScheduleVideo(_Wire):
    starts_at: SessionTime  # the registrar's video session, sent on to videoconf


class DecisionDraft(_Wire):
    """The decision document the registrar signs; its bytes are `document_b64` (canonical JSON)."""

    action: CaseAction
    document_b64: str
    sha256: str
    media_type: str = "application/json"


class PartyView(_Wire):
    iin: str | None = None
    bin: str | None = None
    role: PartyRole
    representative_iin: str | None = None
    application_signed_at: datetime | None = None


class CheckView(_Wire):
    code: str
    passed: bool
    detail: str
    evidence: dict[str, Any] = {}
    checked_at: datetime


class FeeView(_Wire):
    due: Decimal
    paid: Decimal | None = None
    receipt_id: str | None = None
    confirmed_at: datetime | None = None


class VideoView(_Wire):
    room_id: str
    starts_at: datetime
    join_url: str | None = None


class DecisionView(_Wire):
    action: CaseAction
    ground_code: str | None = None
    ground_text: str | None = None
    reasons: str | None = None
    documents_requested: list[str] = []
    suspended_until: date | None = None
    registrar_iin: str | None = None
    document_sha256: str
    decided_at: datetime


class TransitionView(_Wire):
    from_state: CaseState | None
    to_state: CaseState
    actor: str
    at: datetime
    reason: str


class CaseView(_Wire):
    id: str
    kind: CaseKind
    state: CaseState
    cadastral_number: str
    portal_ref: str
    related_case: str | None = None
    parties: list[PartyView]
    documents: list[DocumentView]
    application_sha256: str  # the document every party signs to apply
    fee: FeeView
    video: VideoView | None = None
    deadline: datetime | None = None  # one working day after payment confirmation (§38)
    checks: list[CheckView] = []
    decision: DecisionView | None = None
    history: list[TransitionView] = []
    chain: dict[str, int] = {}  # chain entry kind -> index, once appended
    created_at: datetime


class CaseStatus(_Wire):
    id: str
    state: CaseState
    deadline: datetime | None = None
    decision: DecisionView | None = None
    chain: dict[str, int] = {}


class PaymentReceipt(_Wire):
    """The payment gateway's receipt: Ed25519 over the RFC 8785 form of the receipt as issued
    (every field but `signature`)."""

    receipt_id: str
    reference: str  # the case id
    amount: Decimal
    currency: Literal["KZT"] = "KZT"
    payer: str | None = None
    paid_at: datetime
    issuer: str
    key_id: str
    signature: str  # base64
