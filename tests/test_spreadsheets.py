"""Formula neutralisation (ics_portal/spreadsheets.py) in every export: the helper, the function matrix's CSV and
XLSX, and the ICS structure's hierarchy.csv."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from functions.exports import matrix_csv, matrix_xlsx
from functions.models import Function
from functions.selectors import matrix_functions
from governance.models import Area
from ics_portal.spreadsheets import FORMULA_STARTS, restore_cell, safe_cell, safe_xlsx_cell
from tests.functions.factories import FunctionFactory, make_system
from tests.governance.factories import AreaFactory, LevelFactory, SystemFactory

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
# Text PostgreSQL can store (no NUL, no lone surrogates), biased towards the dangerous first characters.
stored_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
risky_text = st.one_of(
    stored_text,
    st.builds(lambda first, rest: first + rest, st.sampled_from([*sorted(FORMULA_STARTS), "'"]), stored_text),
)


def runs_as_formula(cell: str) -> bool:
    return cell[:1] in FORMULA_STARTS and cell != "-"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),
        ("-", "-"),
        ("Barnet", "Barnet"),
        ("'quoted", "'quoted"),
        (-3, -3),
        (Decimal("-1.5"), Decimal("-1.5")),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


@given(text=risky_text)
def test_safe_cell_never_starts_a_formula_and_restores_exactly(text):
    cell = safe_cell(text)
    assert not runs_as_formula(cell)
    assert restore_cell(cell) == text


@given(text=risky_text)
def test_safe_xlsx_cell_can_always_be_written(text):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([safe_xlsx_cell(text)])  # raises IllegalCharacterError on control characters without the helper
    workbook.save(io.BytesIO())


def test_hierarchy_csv_neutralises_an_area_named_as_a_formula(db):
    system = SystemFactory(slug="fx")
    AreaFactory(level=LevelFactory(system=system), name='=HYPERLINK("http://evil.example","Click")', slug="evil")
    response = Client().get("/ics/fx/hierarchy.csv")
    (row,) = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["level rank"] == "1"  # numbers stay as they are


@pytest.fixture
def formula_system(db):
    system = SystemFactory(slug="fz")
    level = LevelFactory(system=system)
    area = AreaFactory(level=level, name="placeholder", slug="fz-top")
    return system, area


@FUZZ
@given(name=risky_text)
def test_hierarchy_csv_never_writes_a_formula(formula_system, name):
    system, area = formula_system
    Area.objects.filter(pk=area.pk).update(name=name)
    response = Client().get(f"/ics/{system.slug}/hierarchy.csv")
    (row,) = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    assert not any(runs_as_formula(cell) for cell in row.values())
    assert restore_cell(row["name"]) == name


@pytest.fixture
def matrix_system(db):
    system = make_system(slug="fm")
    function = FunctionFactory(system=system)
    return system, function


@FUZZ
@given(title=risky_text.filter(lambda t: t.strip()))  # a title may not be blank (a constraint)
def test_matrix_csv_and_xlsx_never_write_a_formula(matrix_system, title):
    system, function = matrix_system
    Function.objects.filter(pk=function.pk).update(title=title)

    rows = list(csv.reader(io.StringIO(matrix_csv(matrix_functions(system=system)).decode("utf-8-sig"), newline="")))
    assert not any(runs_as_formula(cell) for cell in rows[1])
    assert restore_cell(rows[1][0]) == title

    sheet = load_workbook(io.BytesIO(matrix_xlsx(matrix_functions(system=system)))).active
    cells = [cell for cell in next(sheet.iter_rows(min_row=2, values_only=True)) if cell is not None]
    assert not any(runs_as_formula(str(cell)) for cell in cells)
