import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from claims.catalogue.export import export_g2
from claims.catalogue.layouts import LAYOUTS
from claims.catalogue.loader import build_tariff, load_catalogue, parse_date, to_tariff_rows

G1_DRUG = LAYOUTS["drug"].g1_columns
G2_SERVICE = LAYOUTS["service"].g2_columns


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def service_row(
    stt: int, code: str, price: object, start: object, end: object = "", fac: str = "01010"
) -> list[object]:
    rec = dict.fromkeys(G2_SERVICE, "")
    rec.update(
        STT=stt,
        MA_DICH_VU=code,
        TEN_DICH_VU=f"Service {code}",
        DON_GIA=price,
        TU_NGAY=start,
        DEN_NGAY=end,
        MA_CSKCB=fac,
    )
    return [rec[c] for c in G2_SERVICE]


def test_g2_service_xlsx_with_title_rows_and_bad_rows(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["DANH MỤC DỊCH VỤ KỸ THUẬT"],
        ["Mẫu 05/DM"],
        [],
        list(G2_SERVICE),
        service_row(1, "18.0015.0001", 58600, "20250101"),
        service_row(2, "21.0014.1778", "15,000", "20250101"),  # thousands separator: refused
        service_row(3, "02.03", 45000, "20260231"),  # not a calendar date
        service_row(4, "", 1000, "20250101"),  # no code
        service_row(5, "K02.1901", 300000, 45292),  # Excel serial = 2024-01-01
        service_row(6, "18.0015.0001", 60000, "20250601"),  # overlaps the open row 1
        service_row(7, "22.0121.1369", 49700, "01/03/2025", "31/12/2025", fac="99999"),  # other facility
    ]
    res = load_catalogue(write_xlsx(tmp_path / "Mau_MAU_05.xlsx", rows), facility="01010")
    assert res.kind == "service" and res.generation == "G2" and res.header_row == 4
    assert [r.code for r in res.rows] == ["18.0015.0001", "K02.1901"]
    errors = {(e.row, e.field) for e in res.errors}
    assert (6, "DON_GIA") in errors and (7, "TU_NGAY") in errors and (8, "MA_DICH_VU") in errors
    assert any(e.row == 10 and "overlaps row 5" in e.reason for e in res.errors)
    assert res.skipped_other_facility == 1
    assert res.rows[1].valid_from == date(2024, 1, 1)
    tariff = build_tariff([res])
    assert tariff.lookup("18.0015.0001", date(2025, 2, 1)).price_bh == Decimal(58600)  # type: ignore[union-attr]
    assert tariff.lookup("K02.1901", date(2025, 2, 1)).group == "bed"  # type: ignore[union-attr]


def test_g1_drug_csv_semicolon_with_both_end_dates(tmp_path: Path) -> None:
    def drug(stt: int, code: str, reg: str, price: object, start: str, end: str, gw_end: str) -> list[object]:
        rec = dict.fromkeys(G1_DRUG, "")
        rec.update(
            STT=stt,
            MA_THUOC=code,
            TEN_THUOC=f"Drug {stt}",
            SO_DANG_KY=reg,
            DON_GIA=price,
            DON_GIA_BH=price,
            TT_THAU="1323/QĐ-BVĐK;G1;N4;2025",
            TU_NGAY=start,
            DEN_NGAY=end,
            DENNGAY=gw_end,
            MA_CSKCB="01010",
            ID=stt,
        )
        return [rec[c] for c in G1_DRUG]

    rows = [
        list(G1_DRUG),
        drug(1, "40.1021", "VD-1", 6300, "20250101", "20251231", "20250630"),
        drug(2, "40.1021", "VD-2", 7000, "20250101", "", ""),  # same code, another brand: not an overlap
        drug(3, "40.444", "VN-3", 34000, "2025-01-01", "", ""),
    ]
    res = load_catalogue(write_csv(tmp_path / "FileDanhMucThuoc.csv", rows, ";"))
    assert res.kind == "drug" and res.generation == "G1"
    assert res.errors == []
    first = res.rows[0]
    assert first.valid_to == date(2025, 6, 30)  # the earlier of DEN_NGAY and DENNGAY
    tariff = build_tariff([res])
    assert tariff.lookup("40.1021", date(2025, 3, 1)).price_bh == Decimal(7000)  # type: ignore[union-attr]
    assert tariff.lookup("40.1021", date(2025, 8, 1)).price_bh == Decimal(7000)  # type: ignore[union-attr]


def test_vietnamese_headers_and_numeric_code_warning(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Bệnh viện X"],
        ["STT", "Mã vật tư", "Tên vật tư", "Đơn giá BH", "TYLE_TT_BH", "Từ ngày", "MA_CSKCB"],
        [1, 1929, "Bơm tiêm", 1200, 100, "20250101", "01010"],
        [2, "N03.01.070", "Kim", "abc", 50, "20250101", "01010"],
    ]
    res = load_catalogue(write_xlsx(tmp_path / "vt.xlsx", rows), kind="supply")
    assert res.kind == "supply"
    assert [r.code for r in res.rows] == ["1929"]
    assert any(e.severity == "warning" and e.row == 3 for e in res.errors)
    assert any(e.row == 4 and e.field == "DON_GIA_BH" for e in res.errors)
    assert to_tariff_rows(res)[0].payment_ratio == 100


def test_no_header_is_a_file_error(tmp_path: Path) -> None:
    res = load_catalogue(write_csv(tmp_path / "x.csv", [["a", "b"], ["1", "2"]]))
    assert res.kind is None and not res.ok and res.errors[0].row == 0
    res = load_catalogue(tmp_path / "missing.xlsx")
    assert not res.ok


def test_parse_date_forms() -> None:
    assert parse_date("20240101") == parse_date(45292) == parse_date("01/01/2024") == parse_date("2024-01-01")


def test_export_g2_round_trip(tmp_path: Path) -> None:
    rows = [
        list(G2_SERVICE),
        service_row(1, "18.0015.0001", 58600, "20250101", "20250630"),
        service_row(2, "18.0015.0001", 60000, "20250701"),
    ]
    res = load_catalogue(write_csv(tmp_path / "in.csv", rows))
    for suffix in (".xlsx", ".csv"):
        out = tmp_path / f"out{suffix}"
        assert export_g2(res.rows, "service", out, facility="01010") == 2
        again = load_catalogue(out)
        assert again.kind == "service" and again.generation == "G2" and again.errors == []
        assert [(r.code, r.price_bh, r.valid_from, r.valid_to, r.facility) for r in again.rows] == [
            (r.code, r.price_bh, r.valid_from, r.valid_to, "01010") for r in res.rows
        ]
    # tariff rows export too (demo catalogue → G2 drug template)
    from claims.catalogue.demo import demo_tariff

    drugs = [r for r in demo_tariff().rows() if r.group == "drug"]
    out = tmp_path / "drugs.csv"
    assert export_g2(drugs, "drug", out, facility="20999") == len(drugs)
    back = load_catalogue(out)
    assert back.kind == "drug" and len(back.rows) == len(drugs) and back.errors == []
