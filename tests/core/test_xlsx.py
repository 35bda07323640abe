"""Does the streaming XLSX writer make a workbook a spreadsheet reads back as written?"""

import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook

from app.core.xlsx import column_letters, write_workbook


def read_back(rows, title="Sheet") -> tuple[list[str], list[list]]:
    file = io.BytesIO()
    write_workbook(file, title, rows)
    file.seek(0)
    workbook = load_workbook(file)
    sheet = workbook.active
    return workbook.sheetnames, [[(cell.value, cell.data_type) for cell in row] for row in sheet]


def test_do_values_keep_their_type():
    moment = datetime(2026, 3, 14, 9, 26, 53)
    _names, [row] = read_back([["Ada", 3, Decimal("2.5"), moment, True]])
    assert row == [("Ada", "s"), (3, "n"), (2.5, "n"), (moment, "d"), (True, "b")]


def test_are_formulas_text_and_odd_strings_kept():
    _names, rows = read_back([["=SUM(A1)", "-1", "a & <b>", " padded ", "bell\x07 tab\t"]])
    assert rows == [
        [("=SUM(A1)", "s"), ("-1", "s"), ("a & <b>", "s"), (" padded ", "s"), ("bell tab\t", "s")]
    ]


def test_does_a_cell_that_looks_like_a_formula_stay_text_when_edited():
    """Excel's quote prefix: no apostrophe in the cell, and editing it keeps it text."""
    file = io.BytesIO()
    write_workbook(file, "Sheet", [["=HYPERLINK(1)", "@SUM(A1)", "Ada", "x=1"]])
    file.seek(0)
    [row] = load_workbook(file).active.iter_rows()
    assert [(c.value, c.data_type, c.quotePrefix) for c in row] == [
        ("=HYPERLINK(1)", "s", True),
        ("@SUM(A1)", "s", True),
        ("Ada", "s", False),
        ("x=1", "s", False),
    ]


def test_do_empty_cells_keep_the_columns_in_place():
    _names, rows = read_back([["a", None, "c"], [None, "b"]])
    assert rows == [[("a", "s"), (None, "n"), ("c", "s")], [(None, "n"), ("b", "s"), (None, "n")]]


def test_is_the_sheet_named_as_asked():
    names, _rows = read_back([["x"]], title='Tom & "Jerry" <3')
    assert names == ['Tom & "Jerry" <3']


def test_are_columns_lettered_as_spreadsheets_do():
    assert [column_letters(n) for n in (0, 25, 26, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
