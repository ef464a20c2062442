"""Read an uploaded table (CSV or Excel) into rows of cells, with clear, translated problems."""
from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from flask_babel import gettext as _
from openpyxl import load_workbook

MAX_BYTES = 5 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"


class FileProblem(ValueError):
    """The file as a whole cannot be read; ``line``/``column`` say where, when known."""

    def __init__(self, message: str, line: int = 0, column: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def read_table(filename: str, data: bytes) -> list[list[Any]]:
    """Rows of cell values from a CSV (UTF-8) or an .xlsx file."""
    if len(data) > MAX_BYTES:
        raise FileProblem(_("The file is larger than %(mb)s MB.", mb=MAX_BYTES // (1024 * 1024)))
    name = (filename or "").lower()
    if data.startswith(XLSX_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if name.endswith(".xls"):
        raise FileProblem(_("Old .xls files are not supported: save the sheet as .xlsx or CSV UTF-8."))
    return _read_csv(data)


def _read_csv(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(
            _("The file is not UTF-8 text (line %(line)s). In Excel choose "
              "“Save as: CSV UTF-8”, or upload the .xlsx file.", line=line),
            line=line,
        ) from None
    if "\x00" in text:
        raise FileProblem(_("The file is not a text CSV file."))
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _read_xlsx(data: bytes) -> list[list[Any]]:
    try:
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileProblem(_("The file is not a readable Excel (.xlsx) file.")) from None
    try:
        rows = [list(r) for r in values.worksheets[0].iter_rows(values_only=True)]
        _check_formulas(formulas.worksheets[0], rows)
    finally:
        values.close()
        formulas.close()
    return rows


def _check_formulas(sheet: Any, rows: list[list[Any]]) -> None:
    """A formula without a cached value (never opened in Excel) cannot be trusted: refuse it."""
    for r, row in enumerate(sheet.iter_rows()):
        for cell in row:
            if getattr(cell, "data_type", None) != "f":
                continue
            c = cell.column - 1
            cached = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
            if cached is None:
                ref = f"{cell.column_letter}{cell.row}"
                raise FileProblem(
                    _("Cell %(cell)s holds a formula without a value: replace it with its value "
                      "(copy, paste as values) and upload again.", cell=ref),
                    line=cell.row, column=ref,
                )
