import io
from decimal import Decimal

import pytest

from claims.encounter.schemas import LineGroup
from claims.intake.hl7v2 import Encoding, Hl7Error, parse_message, parse_ts, read_hl7
from claims.intake.mapping import CodeMapping
from claims.intake.records import DeclaredCount, Ignored, ParsedRecord
from claims.intake.report import ImportReport
from claims.intake.service import InMemoryRepository, import_items
from tests.intake.helpers import SAMPLES

HL7 = SAMPLES / "hl7v2"
# The samples are US data coded in SNOMED CT; a facility's diagnosis mapping gives their ICD-10 codes.
SCT_TO_ICD10 = CodeMapping(diagnoses={"29857009": "R07.4", "68235000": "R09.8", "422504002": "I63.9"})


def _sample(*names: str) -> str:
    return "".join((HL7 / name).read_text(encoding="utf-8") + "\r" for name in names)


def _records(items):
    return [item for item in items if isinstance(item, ParsedRecord)]


def test_separators_escapes_and_components() -> None:
    message = parse_message(
        "MSH|^~\\&|A|B|C|D|20260101||ADT^A01|X1|P|2.5\rPV1|1|I|W^R^B||||||||SUR|||NHS (inc.A\\T\\E \\F\\ \\S\\)"
    )
    pv1 = message.first("PV1")
    assert pv1 is not None
    assert pv1.get(3, 2) == "R"
    assert pv1.get(14) == "NHS (inc.A&E | ^)"
    assert message.kind == ("ADT", "A01") and message.control_id == "X1"
    assert message.msh.get(1) == "|" and message.msh.get(2) == "^~\\&"
    assert Encoding().unescape("a\\X4142\\b\\.br\\c\\E\\") == "aABb\nc\\"


def test_other_separators_are_read_from_msh() -> None:
    message = parse_message("MSH#*@!$#A#B#C#D#20260101##ADT*A03#X2#P#2.5\nPID#1##ID1*1*2*3*MR@ID2****CCCD")
    pid = message.first("PID")
    assert message.kind == ("ADT", "A03")
    assert pid is not None and pid.get(3, 1, repetition=2) == "ID2" and pid.get(3, 5, repetition=2) == "CCCD"
    assert Encoding.from_msh("MSH#*@!$#A").subcomponent == "$"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("PID|1", "MSH: the message does not start with an MSH segment"),
        ("MSH|^^\\&|A", "MSH-2: encoding characters '^^\\\\&' are not four distinct characters"),
        ("MSH|^~\\&|A|B|C|D|1||ADT^A01|X\rpid|1", "segment 2: 'pid' is not a segment name"),
    ],
)
def test_unreadable_messages_say_why(text: str, reason: str) -> None:
    with pytest.raises(Hl7Error) as caught:
        parse_message(text)
    assert str(caught.value) == reason


def test_timestamps_with_zones() -> None:
    moment = parse_ts("20150208113419+0110")
    assert moment is not None and moment.utcoffset() is not None
    assert moment.isoformat() == "2015-02-08T11:34:19+01:10"
    assert parse_ts("20191122").isoformat() == "2019-11-22T00:00:00"  # type: ignore[union-attr]
    assert parse_ts("2019-11-22") is None


def test_admission_charges_and_discharge_merge_into_one_encounter() -> None:
    items = list(read_hl7(io.StringIO(_sample("ADT-A01-01.hl7", "DFT-P03-01.hl7", "ADT-A03-01.hl7")),
                          facility_code="79001", mapping=SCT_TO_ICD10))  # fmt: skip
    (record,) = _records(items)
    assert record.label == "visit 40007716 (messages 1, 2, 3)"
    encounter = record.encounter
    assert encounter is not None, record.error
    assert encounter.claim_key == "40007716" and encounter.facility_code == "79001"
    assert encounter.patient.patient_id == "PATID1234" and encounter.patient.sex == 1
    assert encounter.patient.full_name == "EVERYMAN A ADAM"
    # IN1-36 of the ADT messages ("PN-145") is no BHYT card number; the DFT's is kept.
    assert [card.code for card in encounter.cards] == ["548851236L"]
    assert encounter.admitted_at.isoformat() == "2015-02-08T17:24:19+07:00"  # PV1-44, +01:10 → Vietnam time
    assert encounter.discharged_at.isoformat() == "2015-02-09T17:24:19+07:00"  # PV1-45 of the A03
    assert encounter.main_icd == "I63.9"  # the A03's DG1 (SCT 422504002) through the facility mapping
    assert encounter.emergency is True and encounter.department_code == "SUR"
    drug, service = encounter.lines
    assert (drug.group, drug.his_code, drug.quantity, drug.unit_price_bv) == (
        LineGroup.DRUG, "71045", Decimal(2), Decimal(50))  # fmt: skip
    assert (service.group, service.his_code, service.unit_price_bv, service.name) == (
        LineGroup.SERVICE, "626.2", Decimal("120.00"), "first op visit")  # fmt: skip
    codes = {finding.code for finding in record.findings}
    assert codes == {"INTAKE_NOT_A_CARD", "INTAKE_NO_REGISTERED_FACILITY", "INTAKE_COST_GROUP_ASSUMED",
                     "INTAKE_CURRENCY"}  # fmt: skip


def test_each_sample_alone_says_what_it_gives() -> None:
    def only(name: str) -> list:
        return list(read_hl7((HL7 / name).open(encoding="utf-8"), facility_code="79001", mapping=SCT_TO_ICD10))

    # An admission alone is an open visit: no claim until the discharge arrives.
    (a01,) = only("ADT-A01-01.hl7")
    assert a01.error == "visit 40007716: no discharge time yet (PV1-45 of ADT^A03)"
    # The discharge alone has admission and discharge times, but its only IN1-36 ("PN-145") is no BHYT card.
    (a03,) = only("ADT-A03-01.hl7")
    assert a03.error == "IN1-36: no BHYT card number (10–15 letters and digits) in any IN1"
    # Charges alone: no discharge yet.
    (p11,) = only("DFT-P11-01.hl7")
    assert p11.error == "visit 40007716: no discharge time yet (PV1-45 of ADT^A03)"
    assert isinstance(only("ORU-R01-01.hl7")[0], Ignored)
    assert only("RDS-O13-01.hl7")[0].reason.startswith("RDS^O13 is not an intake message")


def test_samples_import_through_the_service() -> None:
    repository = InMemoryRepository()
    text = _sample("ADT-A01-01.hl7", "BAR-P01-01.hl7", "DFT-P03-01.hl7", "DFT-P11-01.hl7", "ADT-A03-01.hl7")
    report = import_items(read_hl7(io.StringIO(text), facility_code="79001", mapping=SCT_TO_ICD10),
                          repository, ImportReport("hl7v2 samples", "hl7"))  # fmt: skip
    assert (report.imported, report.failed) == (1, 0), report.failures
    encounter = repository.encounter("79001", "40007716")
    assert len(encounter.lines) >= 2


def test_bad_message_is_named_and_the_rest_go_on() -> None:
    good = _sample("DFT-P03-01.hl7", "ADT-A03-01.hl7")
    bad = "MSH|^~\\&|A|B|C|D|1||DFT^P03|BAD1|P|2.8\rPID|1||X^^^^MR\r"  # no visit number
    items = list(read_hl7(io.StringIO(bad + good), facility_code="79001", mapping=SCT_TO_ICD10))
    records = _records(items)
    assert records[0].label == "message 1 (BAD1)"
    assert records[0].error == "PV1-19: no visit number (nor PID-18 account number) to attach the message to a visit"
    assert records[1].encounter is not None


def test_batch_count_is_checked() -> None:
    text = "FHS|^~\\&\rBHS|^~\\&\r" + _sample("DFT-P03-01.hl7", "ADT-A03-01.hl7") + "BTS|3\rFTS|1\r"
    items = list(read_hl7(io.StringIO(text), facility_code="79001", mapping=SCT_TO_ICD10))
    assert items[-1] == DeclaredCount(3, "hl7 BTS-1", unit="messages", counted=2)
    report = import_items(iter(items), InMemoryRepository(), ImportReport("b", "hl7"))
    assert report.file_errors == ["hl7 BTS-1 declares 3 messages; the file holds 2"]


def test_credit_cancels_a_charge() -> None:
    text = _sample("DFT-P03-01.hl7", "ADT-A03-01.hl7") + (
        "MSH|^~\\&|A|B|C|D|1||DFT^P03|C1|P|2.8\rPV1|1|I|||||||||||||||||40007716\r"
        "FT1|1|12345||20191122|20191122|CD|71045\r"
    )
    (record,) = _records(read_hl7(io.StringIO(text), facility_code="79001", mapping=SCT_TO_ICD10))
    assert record.encounter is not None
    assert [line.his_code for line in record.encounter.lines] == ["626.2"]


def test_small_window_emits_early_and_a_later_message_updates() -> None:
    text = _sample("DFT-P03-01.hl7", "ADT-A03-01.hl7")
    other = "MSH|^~\\&|A|B|C|D|1||ADT^A01|O1|P|2.8\rPV1|1|O|||||||||||||||||OTHER\r"
    late = "MSH|^~\\&|A|B|C|D|1||DFT^P03|L1|P|2.8\rPV1|1|I|||||||||||||||||40007716\rFT1|9|999||20191123||CG|X9\r"
    items = list(read_hl7(io.StringIO(text + other + late), facility_code="79001", mapping=SCT_TO_ICD10, window=1))
    records = _records(items)
    first = [r for r in records if r.label.startswith("visit 40007716") and r.encounter is not None]
    assert len(first) == 1  # emitted when pushed out; the late charge alone has no discharge
    repository = InMemoryRepository()
    import_items(iter(items), repository, ImportReport("w", "hl7"))
    assert repository.latest("79001", "40007716") is not None
