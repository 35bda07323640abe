"""A one-sheet XLSX workbook written row by row, for large exports.

openpyxl's write-only mode and XlsxWriter's constant_memory mode both build an
object per cell and reach about 40,000 cells a second here; this writer turns a
row of plain values into its XML in one pass and reaches several times that. It
writes what exports need and nothing else: one sheet, no shared strings (every
string is an inline string, so memory stays flat), one date format.

Values: strings are always text cells (never a formula, whatever they start
with), with the control characters XML cannot hold removed; those that start
like a formula also carry Excel's "quote prefix" style, so that editing the
cell keeps it text (the cell shows no apostrophe; the formula bar does, as
when someone types one); numbers are numbers;
datetimes (naive, wall-clock) are dates shown as yyyy-mm-dd h:mm:ss; None is an
empty cell. Booleans are TRUE/FALSE.
"""

import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

#: Rows of XML joined before each write to the compressor.
ROWS_PER_WRITE = 200
#: The control characters XML 1.0 cannot hold (tab, line feed and return can stay).
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Day 0 of Excel's date serial numbers (valid from March 1900 on).
EXCEL_EPOCH = datetime(1899, 12, 30)
ONE_DAY = timedelta(days=1)
MAX_SHEET_TITLE = 31
#: How a cell that a spreadsheet would run as a formula starts.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_PACKAGE_RELS = (
    _HEAD + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
#: Style 0 is the default; style 1 (`s="1"`) shows a date and time; style 2 is text
#: that stays text when edited (quotePrefix).
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = _HEAD + f'<worksheet xmlns="{_MAIN}"><sheetData>'
_SHEET_END = "</sheetData></worksheet>"


def _workbook(sheet_title: str) -> str:
    return (
        _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
        f'<sheet name={quoteattr(sheet_title)} sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def column_letters(index: int) -> str:
    """A, B, ... Z, AA, AB, ... for columns 0, 1, ..."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _string(reference: str, value: str) -> str:
    if value.startswith(FORMULA_START):
        return f'{reference} s="2" t="inlineStr">{_text(value)}'
    return f'{reference} t="inlineStr">{_text(value)}'


def _text(value: str) -> str:
    if not value.isprintable():  # a cheap test; most strings pass it
        value = ILLEGAL_CHARACTERS.sub("", value)
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    if value[:1].isspace() or value[-1:].isspace():
        return f'<is><t xml:space="preserve">{value}</t></is></c>'
    return f"<is><t>{value}</t></is></c>"


def _cells(row: Sequence, number: int, columns: list[str]) -> str:
    cells = []
    for column, value in zip(columns, row, strict=False):
        if value is None:
            continue
        reference = f'<c r="{column}{number}"'
        if isinstance(value, str):
            cells.append(_string(reference, value))
        elif isinstance(value, bool):
            cells.append(f'{reference} t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int | float | Decimal):
            cells.append(f"{reference}><v>{value}</v></c>")
        elif isinstance(value, datetime):
            cells.append(f'{reference} s="1"><v>{(value - EXCEL_EPOCH) / ONE_DAY!r}</v></c>')
        else:
            cells.append(_string(reference, str(value)))
    return f'<row r="{number}">{"".join(cells)}</row>'


def write_workbook(file, sheet_title: str, rows: Iterable[Sequence]) -> None:
    """Write a workbook of one sheet holding `rows` into the binary `file`; the rows are
    read as they are written, never all held at once."""
    columns: list[str] = []
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _PACKAGE_RELS)
        package.writestr("xl/workbook.xml", _workbook(sheet_title[:MAX_SHEET_TITLE]))
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        package.writestr("xl/styles.xml", _STYLES)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_START.encode())
            batch = []
            for number, row in enumerate(rows, start=1):
                while len(columns) < len(row):
                    columns.append(column_letters(len(columns)))
                batch.append(_cells(row, number, columns))
                if len(batch) == ROWS_PER_WRITE:
                    sheet.write("".join(batch).encode())
                    batch = []
            sheet.write(("".join(batch) + _SHEET_END).encode())
