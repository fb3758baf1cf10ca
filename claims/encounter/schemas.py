"""The canonical encounter.

Every intake adapter (FHIR R4, HL7 v2, XML 130 files, CSV/XLSX, the demo generator) produces an
:class:`Encounter`; pricing, checks and the XML writer read it. Field names describe the meaning;
the XML 130 field each one feeds is named in its description so the exchange layer can map it
(element names themselves live only in ``claims.exchange``).

Times are Vietnam local time (UTC+7), as the claim standard writes them. A naive datetime given to
these models is taken as Vietnam local time and made timezone-aware, so a stored encounter is
unambiguous whatever the server's zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")


def _as_vietnam_time(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=VIETNAM_TZ)
    return value.astimezone(VIETNAM_TZ)


LocalDateTime = Annotated[datetime, AfterValidator(_as_vietnam_time)]
Money = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
#: Unit prices: up to three decimals (QĐ 130 DON_GIA, DON_GIA_BV; real exports write ``4479.999``);
#: the line amount is rounded later by the pricing rule.
UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=3)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=3)]
Percent = Annotated[int, Field(ge=0, le=100)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class LineGroup(StrEnum):
    """What a claim line is, which decides the pricing rule and the table it goes to."""

    EXAM = "exam"
    BED = "bed"
    SERVICE = "service"
    DRUG = "drug"
    BLOOD = "blood"
    SUPPLY = "supply"
    TRANSPORT = "transport"
    OTHER = "other"

    @property
    def is_drug_table(self) -> bool:
        """Drug and blood lines go to the drug table (XML2); everything else to XML3."""
        return self in (LineGroup.DRUG, LineGroup.BLOOD)


class Route(StrEnum):
    """How the patient came to the facility (a fact; the category code is derived from it)."""

    REGISTERED_FACILITY = "registered_facility"
    REFERRAL = "referral"
    APPOINTMENT = "appointment"
    EMERGENCY = "emergency"
    SELF_REFERRAL = "self_referral"


class Patient(_Frozen):
    patient_id: str = Field(max_length=100, description="Hospital patient id (MA_BN).")
    full_name: str = Field(max_length=255, description="HO_TEN.")
    birth_date: date = Field(description="NGAY_SINH (date part).")
    birth_time: str | None = Field(default=None, pattern=r"^\d{4}$", description="HHmm when known (newborns).")
    sex: int = Field(ge=1, le=3, description="GIOI_TINH: 1 male, 2 female, 3 undetermined.")
    national_id: str | None = Field(default=None, max_length=15, description="SO_CCCD.")
    nationality: str = Field(default="000", max_length=3, description="MA_QUOCTICH.")
    ethnicity: str = Field(default="01", max_length=2, description="MA_DANTOC.")
    occupation: str = Field(default="00000", max_length=5, description="MA_NGHE_NGHIEP.")
    blood_group: str | None = Field(default=None, max_length=5, description="NHOM_MAU.")
    address: str = Field(default="", max_length=1024, description="DIA_CHI.")
    province_code: str = Field(default="", max_length=3, description="MATINH_CU_TRU.")
    district_code: str = Field(default="", max_length=3, description="MAHUYEN_CU_TRU.")
    commune_code: str = Field(default="", max_length=5, description="MAXA_CU_TRU.")
    phone: str | None = Field(default=None, max_length=15, description="DIEN_THOAI.")


class Card(_Frozen):
    """One BHYT card period. An encounter may span a card change: several cards, in date order."""

    code: str = Field(min_length=10, max_length=15, description="MA_THE_BHYT (one card of the `;` list).")
    registered_facility: str = Field(max_length=5, description="MA_DKBD.")
    valid_from: date = Field(description="GT_THE_TU.")
    valid_to: date | None = Field(default=None, description="GT_THE_DEN; open-ended when absent.")
    area_code: str | None = Field(default=None, max_length=2, description="MA_KHUVUC (K1, K2, K3).")

    @property
    def object_code(self) -> str:
        return self.code[:2]

    @property
    def benefit_digit(self) -> int | None:
        digit = self.code[2:3]
        return int(digit) if digit.isdigit() else None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class EncounterLine(_Frozen):
    """One billed item: a drug, a service, a supply, a bed-day, an examination or a transport."""

    stt: int = Field(ge=1, description="Line number within its table (STT).")
    group: LineGroup
    cost_group: int = Field(ge=1, le=19, description="MA_NHOM (QĐ 5937 appendix 3).")
    code: str = Field(
        min_length=1, max_length=255, description="Insurer catalogue code (MA_THUOC/MA_DICH_VU/MA_VAT_TU)."
    )
    his_code: str | None = Field(default=None, max_length=255, description="The hospital's own item code.")
    name: str = Field(max_length=1024, description="TEN_THUOC/TEN_DICH_VU/TEN_VAT_TU.")
    unit: str = Field(default="", max_length=50, description="DON_VI_TINH.")
    quantity: Quantity = Field(description="SO_LUONG.")
    unit_price_bv: UnitPrice = Field(description="Hospital unit price (DON_GIA_BV; drugs DON_GIA).")
    unit_price_bh: UnitPrice | None = Field(default=None, description="BH unit price (DON_GIA_BH) when known.")
    service_ratio: Percent = Field(default=100, description="TYLE_TT_DV (exams 100/30/10/0, extra ops 50/80).")
    listed_payment_ratio: Percent = Field(default=100, description="Payment ratio in the list (TYLE_TT_BH).")
    pham_vi: int = Field(default=1, ge=1, le=3, description="PHAM_VI: 1 in list, 2 outside, 3 outside but paid.")
    department_code: str = Field(default="", max_length=50, description="MA_KHOA.")
    bed_code: str | None = Field(default=None, max_length=50, description="MA_GIUONG.")
    practitioner_code: str | None = Field(default=None, max_length=255, description="MA_BAC_SI.")
    performer_codes: str | None = Field(default=None, max_length=255, description="NGUOI_THUC_HIEN.")
    diagnosis_code: str | None = Field(default=None, max_length=100, description="MA_BENH.")
    ordered_at: LocalDateTime = Field(description="NGAY_YL.")
    performed_at: LocalDateTime | None = Field(default=None, description="NGAY_TH_YL.")
    result_at: LocalDateTime | None = Field(default=None, description="NGAY_KQ.")
    payment_method: int = Field(default=1, ge=1, le=3, description="MA_PTTT: 1 fee-for-service.")
    tender_info: str | None = Field(default=None, max_length=50, description="TT_THAU.")
    registration_no: str | None = Field(default=None, max_length=255, description="SO_DANG_KY (drugs).")
    strength: str | None = Field(default=None, max_length=1024, description="HAM_LUONG (drugs).")
    administration_route: str | None = Field(default=None, max_length=4, description="DUONG_DUNG (drugs).")
    dosage: str | None = Field(default=None, max_length=1024, description="LIEU_DUNG (drugs).")
    dosage_form: str | None = Field(default=None, max_length=1024, description="DANG_BAO_CHE (drugs).")
    funding_source: int = Field(default=1, ge=1, le=4, description="NGUON_CTRA (drugs): 1 the fund.")
    related_service_code: str | None = Field(
        default=None, max_length=255, description="MA_DICH_VU on drug/supply lines."
    )
    supply_package: str | None = Field(default=None, max_length=3, description="GOI_VTYT.")
    payment_ceiling: Money | None = Field(default=None, description="T_TRANTT (supply ceiling).")
    other_funding: Money = Field(default=Decimal(0), description="T_NGUONKHAC for this line.")
    other_funding_type: str | None = Field(
        default=None, pattern=r"^[ab]$", description="a: for this patient only; b: general support to the facility."
    )
    machine_code: str | None = Field(default=None, max_length=1024, description="MA_MAY.")
    anaesthesia_method: int | None = Field(default=None, ge=1, le=4, description="PP_VO_CAM.")
    extras: dict[str, str] = Field(default_factory=dict, description="Fields of the line's table not modelled above.")

    @property
    def amount_bv(self) -> Decimal:
        """Hospital amount before any rounding rule (quantity × hospital price)."""
        return self.quantity * self.unit_price_bv


class Encounter(_Frozen):
    """One treatment episode of one patient at one facility: the unit that becomes a claim (MA_LK)."""

    claim_key: str = Field(min_length=1, max_length=100, description="MA_LK, unique per facility.")
    facility_code: str = Field(min_length=5, max_length=5, description="MA_CSKCB.")
    patient: Patient
    cards: tuple[Card, ...] = Field(min_length=1, description="Cards in date order (MA_THE_BHYT `;` list).")
    visit_type: str = Field(pattern=r"^\d{2}$", description="MA_LOAI_KCB: 01 visit, 03 inpatient, …")
    route: Route = Route.REGISTERED_FACILITY
    emergency: bool = False
    patient_category: str | None = Field(
        default=None, max_length=4, description="MA_DOITUONG_KCB when the source gives it; else derived."
    )
    admitted_at: LocalDateTime = Field(description="NGAY_VAO.")
    inpatient_at: LocalDateTime | None = Field(default=None, description="NGAY_VAO_NOI_TRU.")
    discharged_at: LocalDateTime = Field(description="NGAY_RA.")
    settled_at: LocalDateTime | None = Field(default=None, description="NGAY_TTOAN.")
    department_code: str = Field(default="", max_length=50, description="MA_KHOA of the episode.")
    reason_for_visit: str = Field(default="", description="LY_DO_VV.")
    inpatient_reason: str | None = Field(default=None, description="LY_DO_VNT: why the patient was admitted.")
    inpatient_reason_code: str | None = Field(default=None, max_length=5, description="MA_LY_DO_VNT.")
    admission_diagnosis: str = Field(default="", description="CHAN_DOAN_VAO.")
    discharge_diagnosis: str = Field(default="", description="CHAN_DOAN_RV.")
    main_icd: str = Field(max_length=7, description="MA_BENH_CHINH.")
    secondary_icds: tuple[str, ...] = Field(default=(), description="MA_BENH_KT (joined with `;`).")
    procedure_codes: tuple[str, ...] = Field(default=(), description="MA_PTTT_QT (joined with `;`), when given.")
    referred_from: str | None = Field(default=None, max_length=5, description="MA_NOI_DI.")
    referred_to: str | None = Field(default=None, max_length=5, description="MA_NOI_DEN.")
    referral_paper: str | None = Field(default=None, max_length=50, description="GIAY_CHUYEN_TUYEN.")
    outcome: int = Field(default=1, ge=1, le=8, description="KET_QUA_DTRI.")
    discharge_type: int = Field(default=1, ge=1, le=5, description="MA_LOAI_RV.")
    accident_code: int | None = Field(default=None, description="MA_TAI_NAN.")
    co_payment_exempt_from: date | None = Field(default=None, description="NGAY_MIEN_CCT (5-year exemption).")
    continuous_years_since: date | None = Field(default=None, description="NAM_NAM_LIEN_TUC.")
    weight_kg: str = Field(default="", max_length=6, description="CAN_NANG.")
    record_number: str = Field(default="", max_length=100, description="MA_HSBA.")
    attending_code: str | None = Field(default=None, max_length=255, description="MA_TTDV.")
    treatment_method: str | None = Field(default=None, description="PP_DIEU_TRI.")
    follow_up: str | None = Field(default=None, max_length=50, description="NGAY_TAI_KHAM.")
    notes: str | None = Field(default=None, description="GHI_CHU.")
    lines: tuple[EncounterLine, ...] = ()
    extras: dict[str, str] = Field(default_factory=dict, description="XML1 fields not modelled above.")
    clinical_tables: dict[str, tuple[dict[str, str], ...]] = Field(
        default_factory=dict,
        description="Clinical tables carried through unpriced (results, notes, discharge paper …), keyed by table.",
    )

    @field_validator("cards")
    @classmethod
    def _cards_in_date_order(cls, cards: tuple[Card, ...]) -> tuple[Card, ...]:
        starts = [card.valid_from for card in cards]
        if starts != sorted(starts):
            raise ValueError("cards must be given in the order of their validity start")
        return cards

    @model_validator(mode="after")
    def _dates_in_sequence(self) -> Encounter:
        if self.discharged_at < self.admitted_at:
            raise ValueError("discharged_at is before admitted_at")
        stts: set[tuple[bool, int]] = set()
        for line in self.lines:
            key = (line.group.is_drug_table, line.stt)
            if key in stts:
                table = "drug" if key[0] else "service"
                raise ValueError(f"line number {line.stt} appears twice in the {table} table")
            stts.add(key)
        return self

    @property
    def is_inpatient(self) -> bool:
        return self.visit_type in ("03", "04", "06", "09")

    def card_on(self, day: date) -> Card | None:
        """The card valid on ``day`` (the later one where two overlap)."""
        found = None
        for card in self.cards:
            if card.valid_on(day):
                found = card
        return found

    @property
    def period(self) -> str:
        """Settlement period yyyy-mm (of NGAY_TTOAN, else of discharge), the month the claim belongs to."""
        anchor = self.settled_at or self.discharged_at
        return f"{anchor.year:04d}-{anchor.month:02d}"
