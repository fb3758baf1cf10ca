"""Deterministic synthetic encounters.

About 85 % outpatient visits of 3–10 lines and 15 % inpatient stays of 20–200 lines; cards of every
object prefix and benefit digit; some referral, appointment, emergency and self-referred (wrong-route)
cases; drugs, services, supplies, examinations and bed-days drawn from a catalogue of real codes and
BH prices. The same ``seed`` always gives the same encounters, so benchmarks and screenshots are
comparable between runs. No real person is described: names and numbers are made up.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from claims.encounter.schemas import Card, Encounter, EncounterLine, LineGroup, Patient, Route

#: Object prefix + benefit digit pairs as printed on cards (benefits.md §2.2, QĐ 1351/QĐ-BHXH).
CARD_PREFIXES: tuple[str, ...] = (
    "CC1", "TE1", "CK2", "CB2", "KC2", "HN2", "DT2", "DK2", "XD2", "BT2", "TS2",
    "HT3", "TC3", "CN3",
    "DN4", "HX4", "CH4", "NN4", "TK4", "HC4", "XK4", "TB4", "NO4", "CT4", "XB4", "TN4", "CS4",
    "XN4", "MS4", "HD4", "TQ4", "TA4", "TY4", "HG4", "LS4", "PV4", "HS4", "SV4", "GB4", "GD4",
    "QN5", "CA5", "CY5",
)  # fmt: skip

FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ")
MIDDLE_NAMES = ("Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Đức", "Hồng")
GIVEN_NAMES = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Mai",
               "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến")  # fmt: skip

OUTPATIENT_DIAGNOSES = (
    ("J06.9", "Nhiễm trùng đường hô hấp trên cấp"), ("I10", "Tăng huyết áp vô căn"),
    ("E11.9", "Đái tháo đường típ 2"), ("K29.7", "Viêm dạ dày"), ("M54.5", "Đau thắt lưng"),
    ("Z34.9", "Theo dõi thai bình thường"), ("J20.9", "Viêm phế quản cấp"), ("N39.0", "Nhiễm trùng tiết niệu"),
)  # fmt: skip
INPATIENT_DIAGNOSES = (
    ("A91", "Sốt xuất huyết Dengue nặng"), ("J18.9", "Viêm phổi"), ("K92.2", "Xuất huyết tiêu hoá"),
    ("E87.1", "Hạ natri máu"), ("I63.9", "Nhồi máu não"), ("M86.9", "Viêm xương tuỷ"),
    ("K35.8", "Viêm ruột thừa cấp"), ("O80", "Đẻ thường"),
)  # fmt: skip
DEPARTMENTS = ("K01", "K02", "K03", "K16", "K19", "K26", "K33", "K48")


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """An item the demo may bill: an insurer code with its BH price (from the real sample files)."""

    code: str
    name: str
    group: LineGroup
    cost_group: int
    unit: str
    price_bh: Decimal
    listed_payment_ratio: int = 100
    tender_info: str | None = None
    registration_no: str | None = None
    strength: str | None = None
    administration_route: str | None = None


@dataclass(frozen=True, slots=True)
class DemoFacility:
    code: str = "01999"
    province: str = "01"


class _Items:
    """The catalogue split by kind, so each draw is O(1)."""

    def __init__(self, items: Sequence[CatalogueItem]) -> None:
        def of(*groups: LineGroup) -> list[CatalogueItem]:
            return [item for item in items if item.group in groups]

        self.exams = of(LineGroup.EXAM)
        # Internal-medicine beds (codes Kxx.NOn): a surgical bed needs an operation in the same claim, which
        # the demo does not generate, and would be refused by the surgical-bed rule.
        beds = of(LineGroup.BED)
        self.beds = [item for item in beds if re.search(r"\.NO\d$", item.code)] or beds
        self.services = of(LineGroup.SERVICE)
        self.drugs = of(LineGroup.DRUG)
        self.supplies = of(LineGroup.SUPPLY)
        missing = [
            name
            for name, found in (
                ("exam", self.exams),
                ("bed", self.beds),
                ("service", self.services),
                ("drug", self.drugs),
            )
            if not found
        ]
        if missing:
            raise ValueError(f"the demo catalogue has no item of kind: {', '.join(missing)}")


def generate_encounters(
    count: int,
    seed: int = 1,
    facility_code: str = "01999",
    *,
    items: Sequence[CatalogueItem] | None = None,
    period: str = "2026-10",
    expired_card_share: float = 0.03,
) -> Iterator[Encounter]:
    """Yield ``count`` synthetic encounters discharged within ``period`` (yyyy-mm) at ``facility_code``.

    ``items`` defaults to the demo catalogue built from the real sample files. ``expired_card_share`` of
    the encounters carry a card that expired before the visit: work for the billing clerk.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if items is None:
        items = default_items()
    pool = _Items(items)
    rng = random.Random(seed)
    year, month = (int(part) for part in period.split("-"))
    first_day = date(year, month, 1)
    days_in_month = ((first_day.replace(day=28) + timedelta(days=4)).replace(day=1) - first_day).days
    province = facility_code[:2]
    for index in range(count):
        inpatient = rng.random() < 0.15
        discharge_day = first_day + timedelta(days=rng.randrange(days_in_month))
        yield _encounter(rng, pool, index, facility_code, province, discharge_day, inpatient, seed, expired_card_share)


def _encounter(
    rng: random.Random,
    pool: _Items,
    index: int,
    facility_code: str,
    province: str,
    discharge_day: date,
    inpatient: bool,
    seed: int,
    expired_card_share: float,
) -> Encounter:
    if inpatient:
        stay_days = rng.randint(2, 20)
        admitted = datetime.combine(
            discharge_day - timedelta(days=stay_days), time(rng.randint(0, 23), rng.randint(0, 59))
        )
        discharged = datetime.combine(discharge_day, time(rng.randint(8, 16), rng.randint(0, 59)))
        icd, diagnosis = rng.choice(INPATIENT_DIAGNOSES)
    else:
        admitted = datetime.combine(discharge_day, time(rng.randint(7, 15), rng.randint(0, 59)))
        discharged = admitted + timedelta(minutes=rng.randint(30, 240))
        icd, diagnosis = rng.choice(OUTPATIENT_DIAGNOSES)

    route_draw = rng.random()
    emergency = route_draw < 0.06
    if emergency:
        route = Route.EMERGENCY
    elif route_draw < 0.16:
        route = Route.REFERRAL
    elif route_draw < 0.22:
        route = Route.APPOINTMENT
    elif route_draw < 0.30:
        route = Route.SELF_REFERRAL
    else:
        route = Route.REGISTERED_FACILITY
    registered = facility_code if route is Route.REGISTERED_FACILITY else f"{province}{rng.randint(900, 998):03d}"

    birth_year = discharge_day.year - rng.randint(0, 5) if rng.random() < 0.08 else rng.randint(1935, 2020)
    prefix = "TE1" if discharge_day.year - birth_year < 6 else rng.choice(CARD_PREFIXES)
    insurance_number = f"{rng.randrange(10**10):010d}"
    card_start = (
        date(admitted.year, 1, 1) if rng.random() < 0.7 else (admitted.date() - timedelta(days=rng.randint(1, 300)))
    )
    card = Card(
        code=f"{prefix}{province}{insurance_number}",
        registered_facility=registered,
        valid_from=card_start,
        # Some cards expired before the visit: the kind of error billing staff fix before sending.
        valid_to=date(discharge_day.year, 12, 31)
        if rng.random() >= expired_card_share
        else admitted.date() - timedelta(days=1),
    )
    five_years = rng.random() < 0.05
    patient = Patient(
        patient_id=f"BN{seed:03d}{index:08d}",
        full_name=f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}",
        birth_date=date(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
        sex=rng.choice((1, 2)),
        national_id=f"0{rng.randrange(10**11):011d}",
        address="Địa chỉ minh hoạ",
        province_code=province,
        district_code=f"{rng.randint(1, 30):03d}",
        commune_code=f"{rng.randint(1, 9999):05d}",
    )
    department = rng.choice(DEPARTMENTS)
    lines = (
        _inpatient_lines(rng, pool, admitted, discharged, department)
        if inpatient
        else _outpatient_lines(rng, pool, admitted, discharged, department)
    )
    return Encounter(
        claim_key=f"DEMO{seed:03d}{index:09d}",
        facility_code=facility_code,
        patient=patient,
        cards=(card,),
        visit_type="03" if inpatient else "01",
        route=route,
        emergency=emergency,
        admitted_at=admitted,
        inpatient_at=admitted + timedelta(minutes=30) if inpatient else None,
        discharged_at=discharged,
        settled_at=discharged + timedelta(minutes=15),
        department_code=department,
        reason_for_visit="Khám bệnh" if not emergency else "Cấp cứu",
        inpatient_reason=f"Điều trị nội trú: {diagnosis}" if inpatient else None,
        admission_diagnosis=diagnosis,
        discharge_diagnosis=diagnosis,
        main_icd=icd,
        referred_from=f"{province}{rng.randint(900, 998):03d}" if route is Route.REFERRAL else None,
        referral_paper=f"{rng.randrange(10**6):06d}/GCT" if route is Route.REFERRAL else None,
        outcome=rng.choice((1, 1, 1, 2, 2, 3)) if inpatient else 1,
        discharge_type=1,
        co_payment_exempt_from=card_start if five_years else None,
        continuous_years_since=card_start if five_years else None,
        weight_kg=str(rng.randint(3, 90)),
        record_number=f"HS{seed:03d}{index:08d}",
        attending_code=f"{rng.randint(1, 999999):06d}/HNO-CCHN",
        lines=tuple(lines),
    )


def _hospital_price(rng: random.Random, item: CatalogueItem) -> Decimal:
    # Most items are billed at the BH price; some hospitals charge more for services (on request, private
    # rooms). Drugs and supplies are billed at their purchase price: the drug table has one price only.
    price_bh = item.price_bh
    if item.group in (LineGroup.EXAM, LineGroup.BED, LineGroup.SERVICE) and rng.random() < 0.12:
        return (price_bh * Decimal(rng.choice((12, 15, 20, 30))) / Decimal(10)).quantize(Decimal(1))
    return price_bh


def _line(
    rng: random.Random,
    stt: int,
    item: CatalogueItem,
    quantity: Decimal,
    ordered_at: datetime,
    department: str,
    *,
    service_ratio: int = 100,
    bed_code: str | None = None,
    ends_at: datetime | None = None,
) -> EncounterLine:
    # Performed and resulted within the stay (the checks refuse results after discharge).
    latest = ends_at or ordered_at + timedelta(hours=4)
    performed = min(ordered_at + timedelta(minutes=rng.randint(5, 90)), latest)
    resulted = min(performed + timedelta(minutes=rng.randint(10, 120)), latest)
    return EncounterLine(
        stt=stt,
        group=item.group,
        cost_group=item.cost_group,
        code=item.code,
        his_code=f"H-{item.code}",
        name=item.name,
        unit=item.unit,
        quantity=quantity,
        unit_price_bv=_hospital_price(rng, item),
        unit_price_bh=item.price_bh,
        service_ratio=service_ratio,
        listed_payment_ratio=item.listed_payment_ratio,
        department_code=department,
        bed_code=bed_code,
        practitioner_code=f"{rng.randint(1, 999999):06d}/HNO-CCHN",
        performer_codes=f"{rng.randint(1, 999999):06d}/HNO-CCHN" if item.group is LineGroup.SERVICE else None,
        ordered_at=ordered_at,
        performed_at=performed if item.group in (LineGroup.SERVICE, LineGroup.EXAM) else None,
        result_at=resulted if item.group is LineGroup.SERVICE else None,
        anaesthesia_method=1 if item.cost_group == 8 else None,
        tender_info=item.tender_info,
        registration_no=item.registration_no,
        strength=item.strength,
        administration_route=item.administration_route,
        dosage="Ngày 2 lần" if item.group is LineGroup.DRUG else None,
    )


class _Numbering:
    """STT counters: drugs number their own table, everything else the service table."""

    def __init__(self) -> None:
        self.drug = 0
        self.other = 0

    def next(self, item: CatalogueItem) -> int:
        if item.group.is_drug_table:
            self.drug += 1
            return self.drug
        self.other += 1
        return self.other


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(int((end - start).total_seconds() // 60) - 1, 0)
    return start + timedelta(minutes=rng.randint(0, span))


def _outpatient_lines(
    rng: random.Random, pool: _Items, admitted: datetime, discharged: datetime, department: str
) -> list[EncounterLine]:
    numbering = _Numbering()
    exam = rng.choice(pool.exams)
    lines = [_line(rng, numbering.next(exam), exam, Decimal(1), admitted, department, ends_at=discharged)]
    for _ in range(rng.randint(2, 9)):
        item = rng.choice(pool.drugs) if rng.random() < 0.5 else rng.choice(pool.services)
        quantity = Decimal(rng.choice((10, 14, 20, 28, 30))) if item.group is LineGroup.DRUG else Decimal(1)
        lines.append(
            _line(
                rng,
                numbering.next(item),
                item,
                quantity,
                _between(rng, admitted, discharged),
                department,
                ends_at=discharged,
            )
        )
    return lines


def _inpatient_lines(
    rng: random.Random, pool: _Items, admitted: datetime, discharged: datetime, department: str
) -> list[EncounterLine]:
    numbering = _Numbering()
    exam = rng.choice(pool.exams)
    lines = [_line(rng, numbering.next(exam), exam, Decimal(1), admitted, department, ends_at=discharged)]
    bed = rng.choice(pool.beds)
    bed_code = f"H{rng.randint(1, 120):03d}"
    day = admitted
    while day.date() < discharged.date():
        ordered = datetime.combine(day.date(), time(7, 0)) if day > admitted else admitted
        lines.append(
            _line(rng, numbering.next(bed), bed, Decimal(1), ordered, department, bed_code=bed_code, ends_at=discharged)
        )
        day += timedelta(days=1)
    target = rng.randint(20, 200)
    while len(lines) < target:
        draw = rng.random()
        if draw < 0.5:
            item = rng.choice(pool.drugs)
            quantity = Decimal(rng.choice((1, 2, 3, 4, 6)))
        elif draw < 0.85 or not pool.supplies:
            item = rng.choice(pool.services)
            quantity = Decimal(1)
        else:
            item = rng.choice(pool.supplies)
            quantity = Decimal(rng.choice((1, 2, 5)))
        lines.append(
            _line(
                rng,
                numbering.next(item),
                item,
                quantity,
                _between(rng, admitted, discharged),
                department,
                ends_at=discharged,
            )
        )
    return lines


def default_items() -> list[CatalogueItem]:
    """The demo catalogue: codes and BH prices taken from the six real sample files."""
    from claims.demo.catalogue import sample_catalogue_items

    return sample_catalogue_items()
