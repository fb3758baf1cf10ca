"""A report as CSV (UTF-8 with BOM, Vietnamese headers) or XLSX (Vietnamese headers, amounts as numbers)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from claims.settlement.reports import Report


def _plain(value: Any) -> Any:
    return "" if value is None else value


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([report.labels.get(k, k) for k in report.keys])
    for row in report.rows:
        writer.writerow([_plain(row.get(k)) for k in report.keys])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets spreadsheet programs read UTF-8


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.name[:31]
    sheet.append([report.title])
    sheet.append([report.labels.get(k, k) for k in report.keys])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    money_columns = [i for i, k in enumerate(report.keys, start=1) if k in report.money_keys]
    for row in report.rows:
        sheet.append([_cell(row.get(k), k in report.money_keys) for k in report.keys])
    for column in money_columns:
        for (cell,) in sheet.iter_rows(min_row=3, min_col=column, max_col=column):
            cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any, is_money: bool) -> Any:
    if value is None or value == "":
        return None
    if is_money and isinstance(value, Decimal):
        return value  # openpyxl writes Decimal as a number; exact to the cent in the file's text
    return value
