import io
from pathlib import Path

import pytest

from claims.intake.records import DeclaredCount, IntakeFileError, ParsedRecord
from claims.intake.report import ImportReport
from claims.intake.service import InMemoryRepository, import_items
from claims.intake.tabular import ALL_COLUMNS, read_csv, read_xlsx, write_csv, write_xlsx
from tests.intake.helpers import demo


def _records(items):
    return [item for item in items if isinstance(item, ParsedRecord)]


def test_csv_round_trip_gives_the_same_encounters() -> None:
    encounters = list(demo(60, seed=3))
    buffer = io.StringIO()
    write_csv(encounters, buffer, declared=60)
    buffer.seek(0)
    items = list(read_csv(buffer))
    assert items[0] == DeclaredCount(60, "csv line 1")
    records = _records(items)
    assert [record.error for record in records] == [None] * 60
    assert [record.encounter for record in records] == encounters


def test_xlsx_round_trip_gives_the_same_encounters(tmp_path: Path) -> None:
    encounters = list(demo(15, seed=4))
    path = tmp_path / "encounters.xlsx"
    write_xlsx(encounters, path, declared=15)
    items = list(read_xlsx(path))
    assert isinstance(items[0], DeclaredCount) and items[0].count == 15
    assert [record.encounter for record in _records(items)] == encounters


def test_xlsx_numeric_and_date_cells_are_read_exactly(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    encounter = next(demo(1, seed=5))
    buffer = io.StringIO()
    write_csv([encounter], buffer)
    rows = [line.split(",") for line in buffer.getvalue().splitlines()]
    header = rows[0]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    import csv

    for cells in csv.reader(io.StringIO(buffer.getvalue()).readlines()[1:]):
        typed: list[object] = list(cells)
        for index, name in enumerate(header):
            if name == "line_unit_price_bv" and cells[index]:
                typed[index] = float(cells[index])  # what Excel stores
            if name == "admitted_at":
                typed[index] = datetime.fromisoformat(cells[index])
        sheet.append(typed)
    path = tmp_path / "typed.xlsx"
    workbook.save(path)
    (record,) = _records(read_xlsx(path))
    assert record.encounter == encounter


def _csv(text: str) -> io.StringIO:
    return io.StringIO(text)


HEADER = (
    "claim_key,facility_code,visit_type,admitted_at,discharged_at,main_icd,patient_id,patient_full_name,"
    "patient_birth_date,patient_sex,card_code,card_registered_facility,card_valid_from,"
    "line_group,line_cost_group,line_code,line_his_code,line_name,line_quantity,line_unit_price_bv,line_ordered_at\n"
)
GOOD = (
    "LK1,01999,01,202610020800,202610021100,J00,BN1,A B,19900101,1,DN4010123456701,01999,20260101,"
    "exam,13,02.1896,,Khám,1,39800,202610020810\n"
)
GOOD2 = (
    "LK2,01999,01,202610020800,202610021100,J00,BN2,C D,19900101,2,DN4010123456702,01999,20260101,"
    "drug,4,,HIS-9,Thuốc X,2,1500,202610020810\n"
)


def test_one_bad_record_is_named_and_the_rest_go_on() -> None:
    bad = GOOD.replace("LK1", "LK3").replace("19900101,1,", "19900101,7,")
    repository = InMemoryRepository()
    report = import_items(read_csv(_csv(HEADER + GOOD + bad + GOOD2)), repository, ImportReport("t.csv", "csv"))
    assert (report.imported, report.failed) == (2, 1)
    (failure,) = report.failures
    assert failure.record == "row 3 (MA_LK LK3)"
    assert "patient.sex (GIOI_TINH)" in failure.reason
    # LK2 gave only a hospital code: imported with a finding on its line, not a failure.
    (finding,) = report.findings
    assert finding.code == "INTAKE_UNMAPPED_CODE" and finding.record == "LK2 drug line 1"


def test_compact_dates_are_not_read_as_timestamps() -> None:
    (record,) = _records(read_csv(_csv(HEADER + GOOD)))
    assert record.encounter is not None
    assert record.encounter.admitted_at.strftime("%Y%m%d%H%M") == "202610020800"


def test_declared_count_is_checked() -> None:
    report = import_items(
        read_csv(_csv("# encounters=3\n" + HEADER + GOOD + GOOD2)), InMemoryRepository(), ImportReport("t", "csv")
    )
    assert report.file_errors == ["csv line 1 declares 3 encounters; the file holds 2"]
    assert report.imported == 2


def test_rows_of_one_encounter_must_be_contiguous() -> None:
    records = _records(read_csv(_csv(HEADER + GOOD + GOOD2 + GOOD)))
    assert records[2].error == "rows of MA_LK LK1 are not contiguous: it appeared earlier in the file"


def test_unknown_column_fails_the_file() -> None:
    with pytest.raises(IntakeFileError, match="unknown columns ma_the"):
        list(read_csv(_csv("claim_key,ma_the\nLK1,X\n")))


def test_facility_option_fills_and_guards_the_facility() -> None:
    (record,) = _records(read_csv(_csv(HEADER + GOOD), facility_code="01999"))
    assert record.encounter is not None
    (other,) = _records(read_csv(_csv(HEADER + GOOD), facility_code="79001"))
    assert other.error == "facility_code '01999' is not the importing facility '79001'"


def test_layout_covers_every_canonical_field() -> None:
    assert "line_his_code" in ALL_COLUMNS and "card_code" in ALL_COLUMNS and "patient_full_name" in ALL_COLUMNS
    assert len(ALL_COLUMNS) == len(set(ALL_COLUMNS))
