"""Read an uploaded table (CSV or Excel) into rows of cells, with clear, translated problems.

An upload is hostile until read: a 1.6 KB .xlsx can declare a million-row sheet, a 700 KB zip
can inflate to gigabytes, an XML part can carry entity bombs. So the reader is bounded before it
parses anything: the zip's entries, their declared sizes and compression ratios, and the sheet's
declared dimension are checked first; the sheet is then streamed (openpyxl read-only, dimensions
ignored) with a row cap, a column cap and a time budget. defusedxml, a dependency, makes openpyxl
refuse DTDs with entities and external references. Any failure is a :class:`FileProblem`.
"""
from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Iterator
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from openpyxl import load_workbook

MAX_BYTES = 5 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
MAX_ROWS = 5_000  # data rows under the header
MAX_COLUMNS = 50
MAX_ZIP_ENTRIES = 200
MAX_UNCOMPRESSED = 25 * 1024 * 1024  # all parts together, as the zip declares them
MAX_PART = 10 * 1024 * 1024  # one part (a sheet, the shared strings)
MAX_RATIO = 150  # uncompressed / compressed, for parts above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
# openpyxl reads a whole sheet to size it when the sheet does not declare its dimension.
MAX_SHEET_WITHOUT_DIMENSION = 1024 * 1024
MAX_CELL_CHARS = 10_000
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")


class FileProblem(ValueError):
    """The file as a whole cannot be read; ``line``/``column`` say where, when known."""

    def __init__(self, message: str, line: int = 0, column: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def max_upload_bytes() -> int:
    """The largest file an import accepts (``IMPORT_MAX_MB``)."""
    if has_app_context() and "sinergi" in current_app.extensions:
        return int(current_app.extensions["sinergi"].import_max_mb) * 1024 * 1024
    return MAX_BYTES


def _time_budget() -> float:
    if has_app_context() and "sinergi" in current_app.extensions:
        return float(current_app.extensions["sinergi"].import_parse_seconds)
    return 20.0


def read_table(filename: str, data: bytes, *, max_rows: int = MAX_ROWS) -> list[list[Any]]:
    """Rows of cell values from a CSV (UTF-8) or an .xlsx file: the header and at most
    ``max_rows + 1`` rows under it (one more than allowed, so the caller can say "too many")."""
    if len(data) > max_upload_bytes():
        raise FileProblem(_("The file is larger than %(mb)s MB.", mb=max_upload_bytes() // 2**20))
    name = (filename or "").lower()
    if data.startswith(XLSX_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        return read_xlsx(data, max_rows=max_rows)
    if name.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(_("Old .xls files are not supported: save the sheet as .xlsx or CSV UTF-8."))
    return _read_csv(data, max_rows)


def _read_csv(data: bytes, max_rows: int) -> list[list[Any]]:
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
    rows: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(rows) > max_rows + 1:
                break
            rows.append(_capped(row, reader.line_num))
    except csv.Error:
        raise FileProblem(_("Line %(line)s of the CSV file cannot be read (a quote is not "
                            "closed or a cell is too long).", line=reader.line_num),
                          line=reader.line_num) from None
    return rows


def _capped(row: list[Any], line: int) -> list[Any]:
    if len(row) > MAX_COLUMNS and any(str(v or "").strip() for v in row[MAX_COLUMNS:]):
        raise FileProblem(_("Line %(line)s has more than %(n)s columns.", line=line, n=MAX_COLUMNS),
                          line=line)
    row = row[:MAX_COLUMNS]
    for value in row:
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise FileProblem(_("Line %(line)s has a cell longer than %(n)s characters.",
                                line=line, n=MAX_CELL_CHARS), line=line)
    return row


def _not_xlsx() -> FileProblem:
    return FileProblem(_("The file is not a readable Excel (.xlsx) file."))


def _too_big_inside() -> FileProblem:
    return FileProblem(_("The Excel file unpacks to far more data than a sheet of %(n)s rows "
                         "holds; it is refused.", n=MAX_ROWS))


def check_xlsx_archive(data: bytes) -> str:
    """Check the zip before any XML is parsed; returns the first sheet's part name."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _not_xlsx() from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _too_big_inside()
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > MAX_PART or total > MAX_UNCOMPRESSED:
            raise _too_big_inside()
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise _too_big_inside()
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_xlsx()
    sheets = sorted((n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                    key=lambda n: int(re.sub(r"\D", "", n)))
    if not sheets:
        raise _not_xlsx()
    _check_dimension(archive, sheets[0], archive.getinfo(sheets[0]).file_size)
    return sheets[0]


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


def _check_dimension(archive: zipfile.ZipFile, sheet: str, size: int) -> None:
    """Refuse a sheet that declares more rows or columns than any import takes, or a large
    one that declares nothing (openpyxl would parse all of it just to size it)."""
    try:
        with archive.open(sheet) as part:
            head = part.read(4096)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise _not_xlsx() from None
    match = DIMENSION.search(head)
    if match is None and size > MAX_SHEET_WITHOUT_DIMENSION:
        raise FileProblem(_("The sheet does not say how large it is: open it in Excel, save it "
                            "again as .xlsx and upload that file."))
    if match is None or match.group(4) is None:
        return  # small, or a single cell: the streaming caps still apply
    last_column, last_row = _column_number(match.group(3)), int(match.group(4))
    if last_row > 10 * MAX_ROWS + 100 or last_column > 16 * MAX_COLUMNS:
        raise FileProblem(_("The sheet declares %(rows)s rows and %(cols)s columns; at most "
                            "%(n)s rows are imported at once.", rows=last_row, cols=last_column,
                            n=MAX_ROWS))


def read_xlsx(data: bytes, *, max_rows: int = MAX_ROWS, formulas_need_values: bool = True
              ) -> list[list[Any]]:
    """Rows of the first sheet of an .xlsx file, bounded as the module docstring says."""
    check_xlsx_archive(data)
    values = _bounded_rows(data, data_only=True, max_rows=max_rows)
    if formulas_need_values:
        _check_formulas(data, values, max_rows)
    return values


def _bounded_rows(data: bytes, *, data_only: bool, max_rows: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for row in _stream(data, data_only=data_only, max_rows=max_rows):
        rows.append([_cell_value(v, len(rows) + 1) for v in row])
    while rows and not any(v not in (None, "") for v in rows[-1]):
        rows.pop()  # trailing empty rows (formatting only) carry nothing
    return rows


def _cell_value(value: Any, line: int) -> Any:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise FileProblem(_("Line %(line)s has a cell longer than %(n)s characters.",
                            line=line, n=MAX_CELL_CHARS), line=line)
    return value


def _stream(data: bytes, *, data_only: bool, max_rows: int, cells: bool = False) -> Iterator[Any]:
    """The first sheet's rows, at most ``max_rows + 2`` and ``MAX_COLUMNS`` wide, in time."""
    deadline = time.monotonic() + _time_budget()
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception:  # noqa: BLE001 - a hostile file can make the parser raise anything
        raise _not_xlsx() from None
    try:
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # never trust the declared size for padding
        rows = sheet.iter_rows(min_row=1, max_row=max_rows + 2, max_col=MAX_COLUMNS,
                               values_only=not cells)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except FileProblem:
                raise
            except Exception:  # noqa: BLE001 - XML errors, entity bombs, broken cell refs
                raise _not_xlsx() from None
            if time.monotonic() > deadline:
                raise FileProblem(_("Reading the file took too long; split it into smaller files."))
            yield row
    finally:
        book.close()


def _check_formulas(data: bytes, values: list[list[Any]], max_rows: int) -> None:
    """A formula without a cached value (never opened in Excel) cannot be trusted: refuse it."""
    for r, row in enumerate(_stream(data, data_only=False, max_rows=max_rows, cells=True)):
        for cell in row:
            if getattr(cell, "data_type", None) != "f":
                continue
            c = cell.column - 1
            cached = values[r][c] if r < len(values) and c < len(values[r]) else None
            if cached is None:
                ref = f"{cell.column_letter}{cell.row}"
                raise FileProblem(
                    _("Cell %(cell)s holds a formula without a value: replace it with its value "
                      "(copy, paste as values) and upload again.", cell=ref),
                    line=cell.row, column=ref,
                )
