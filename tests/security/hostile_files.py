"""A corpus of hostile upload files, generated in memory (nothing large is committed).

Each entry is (name, filename, bytes). Every one must be refused by both imports with a clear
message and nothing written; none may take a worker's memory or time with it.
"""
from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Callable

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
EMPTY_STRINGS = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                 'openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>')


def xlsx(sheet: str | bytes, *, strings: str | bytes = EMPTY_STRINGS, workbook: str = WORKBOOK,
         extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .xlsx package around the given sheet XML (deflated, as Excel writes it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", strings)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _sheet(rows: str, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{SHEET_HEAD}{dim}<sheetData>{rows}</sheetData></worksheet>"


def _inline_row(r: int, values: list[str]) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                    for i, v in enumerate(values))
    return f'<row r="{r}">{cells}</row>'


def dimension_bomb() -> bytes:
    """1.6 KB that declares 16,384 x 1,048,576 cells (openpyxl pads every row to it)."""
    return xlsx(_sheet(_inline_row(1, ["name", "phone"]), "A1:XFD1048576"))


def far_cell() -> bytes:
    """No dimension, but one cell at the very last row and column."""
    return xlsx(_sheet(_inline_row(1, ["name"]) +
                       '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'))


def zip_bomb() -> bytes:
    """A sheet that inflates to ~200 MB of whitespace: refused on its declared size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK),
                           ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                           ("xl/sharedStrings.xml", EMPTY_STRINGS)):
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(SHEET_HEAD.encode() + b"<sheetData>")
            chunk = b" " * (1024 * 1024)
            for _ in range(200):
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def lying_zip_bomb() -> bytes:
    """The zip bomb's sheet with its declared size forged down to 1 KB: the archive check
    passes, so the bounded reader itself must stop (zipfile stops at the declared size)."""
    data = bytearray(zip_bomb_small_entry())
    name = b"xl/worksheets/sheet1.xml"
    # Patch the uncompressed size in the local header and the central directory entry.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                data[start + offset:start + offset + 4] = struct.pack("<I", 1024)
            start += 4
    return bytes(data)


def zip_bomb_small_entry() -> bytes:
    """A sheet of 20 MB of whitespace without zip64 (so its sizes are plain 32-bit fields)."""
    return xlsx(SHEET_HEAD + "<sheetData>" + " " * (20 * 1024 * 1024) + "</sheetData></worksheet>")


def many_entries() -> bytes:
    """5,000 tiny parts: the archive is refused before any is read."""
    return xlsx(_sheet(_inline_row(1, ["name"])),
                extra={f"xl/media/junk{i}.xml": b"<a/>" for i in range(5000)})


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10))
    strings = (f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
               'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    sheet = _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    return xlsx(sheet, strings=strings)


def xxe() -> bytes:
    strings = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
               'uniqueCount="1"><si><t>&xxe;</t></si></sst>')
    return xlsx(_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), strings=strings)


def xxe_in_sheet() -> bytes:
    sheet = ('<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM '
             '"file:///etc/hostname">]>' + SHEET_HEAD[len('<?xml version="1.0" encoding="UTF-8"?>'):]
             + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
             '</sheetData></worksheet>')
    return xlsx(sheet)


def formulas_without_values() -> bytes:
    rows = _inline_row(1, ["name", "phone", "kelurahan", "network"]) + (
        '<row r="2"><c r="A2"><f>HYPERLINK("http://evil.example","klik")</f></c>'
        '<c r="B2"><f>1+1</f></c></row>')
    return xlsx(_sheet(rows))


def formula_text_csv() -> bytes:
    return (b"name,phone,kelurahan,network\n"
            b'=HYPERLINK("http://evil.example","klik"),081234567890,31.73.04.1001,pkk\n'
            b"@SUM(1+1),081234567891,31.73.04.1001,pkk\n")


def latin1_csv() -> bytes:
    return "nama,telepon,kelurahan,jaringan\nJosé Ñandú,081234567890,Tambora,pkk\n".encode("latin-1")


def utf16_csv() -> bytes:
    return "nama,telepon,kelurahan,jaringan\nSiti,081234567890,Tambora,pkk\n".encode("utf-16")


def random_bytes_as_xlsx() -> bytes:
    return os.urandom(4096)


def png_as_xlsx() -> bytes:
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
            + struct.pack(">I", zlib.crc32(b"IHDR")) + os.urandom(512))


def old_xls() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048


def rows_200k_csv() -> bytes:
    lines = ["name,phone,kelurahan,network"] + [f"K{i},{i},1,p" for i in range(200_000)]
    return ("\n".join(lines) + "\n").encode()


def rows_200k_xlsx() -> bytes:
    # ~6 MB of varied rows that claim to be ten: under the size and ratio limits and past the
    # dimension check, so the streaming row cap must stop it.
    rows = "".join(f"<row><c><v>{i * 7919 % 1000003}</v></c></row>" for i in range(200_000))
    return xlsx(_sheet(rows, "A1:A10"))


def large_sheet_without_dimension() -> bytes:
    """Sizing it would mean parsing all of it: refused unless it says how large it is."""
    rows = "".join(f"<row><c><v>{i}</v></c></row>" for i in range(100_000))
    return xlsx(_sheet(rows))


def huge_shared_strings() -> bytes:
    body = "".join(f"<si><t>{i}</t></si>" for i in range(800_000))
    strings = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
               f'2006/main" count="800000" uniqueCount="800000">{body}</sst>')
    return xlsx(_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), strings=strings)


def long_cell_csv() -> bytes:
    return ("name,phone,kelurahan,network\n" + "A" * 300_000 + ",0812,x,pkk\n").encode()


def nul_csv() -> bytes:
    return b"name,phone,kelurahan,network\nSi\x00ti,081234567890,31.73.04.1001,pkk\n"


def wide_csv() -> bytes:
    return (",".join(f"c{i}" for i in range(20_000)) + "\n" + ",".join("x" * 20_000) + "\n").encode()


def empty_xlsx() -> bytes:
    return b""


def truncated_xlsx() -> bytes:
    whole = xlsx(_sheet(_inline_row(1, ["name", "phone"])))
    return whole[: len(whole) // 2]


def broken_xml() -> bytes:
    return xlsx(SHEET_HEAD + "<sheetData><row r='1'><c r='A1'><v>1</v></row></sheetData")


def missing_sheet_part() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml.bak", b"<x/>")
    return buffer.getvalue()


def bad_cell_reference() -> bytes:
    return xlsx(_sheet('<row r="1"><c r="ZZZZZZZ99999999999"><v>1</v></c></row>'))


CORPUS: list[tuple[str, str, Callable[[], bytes]]] = [
    ("dimension bomb", "dimensions.xlsx", dimension_bomb),
    ("cell at XFD1048576", "far-cell.xlsx", far_cell),
    ("zip bomb (200 MB sheet)", "zipbomb.xlsx", zip_bomb),
    ("zip bomb with forged sizes", "forged.xlsx", lying_zip_bomb),
    ("5,000 zip entries", "entries.xlsx", many_entries),
    ("billion laughs", "laughs.xlsx", billion_laughs),
    ("XXE in shared strings", "xxe.xlsx", xxe),
    ("XXE in the sheet", "xxe-sheet.xlsx", xxe_in_sheet),
    ("formulas without values", "formulas.xlsx", formulas_without_values),
    ("formula text in a CSV", "formulas.csv", formula_text_csv),
    ("Latin-1 CSV", "latin1.csv", latin1_csv),
    ("UTF-16 CSV", "utf16.csv", utf16_csv),
    ("random bytes named .xlsx", "random.xlsx", random_bytes_as_xlsx),
    ("PNG named .xlsx", "picture.xlsx", png_as_xlsx),
    ("old .xls named .xlsx", "old.xlsx", old_xls),
    ("200,000 rows CSV", "rows.csv", rows_200k_csv),
    ("200,000 rows xlsx", "rows.xlsx", rows_200k_xlsx),
    ("large sheet without dimension", "nodim.xlsx", large_sheet_without_dimension),
    ("800,000 shared strings", "strings.xlsx", huge_shared_strings),
    ("300,000-character cell", "long.csv", long_cell_csv),
    ("NUL bytes in a CSV", "nul.csv", nul_csv),
    ("20,000 columns", "wide.csv", wide_csv),
    ("empty file named .xlsx", "empty.xlsx", empty_xlsx),
    ("truncated xlsx", "truncated.xlsx", truncated_xlsx),
    ("malformed sheet XML", "broken.xlsx", broken_xml),
    ("workbook without its sheet part", "nosheet.xlsx", missing_sheet_part),
    ("absurd cell reference", "badref.xlsx", bad_cell_reference),
]
