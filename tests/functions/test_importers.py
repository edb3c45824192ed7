import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from functions import demo
from functions.exports import matrix_csv, matrix_xlsx
from functions.importers import import_matrix, import_matrix_file
from functions.models import Body, Function, FunctionLink
from functions.selectors import matrix_functions

SEED_FILE = demo.DATA_FILE
HEADER = "Function,Owned by,Influenced by,Supports,Other key links to\n"


def _csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def test_seed_file_loads_37_functions_with_the_seeds_owners(seeded):
    functions = Function.objects.current().filter(system=seeded)
    assert functions.count() == 37
    assert functions.filter(owner__slug="neighbourhood").count() == 2
    assert functions.filter(owner__slug="borough-partnership").count() == 18
    assert functions.filter(owner__slug="ncl").count() == 17
    # The seed's wording, links as records.
    engagement = functions.get(title="Engagement with residents on ensuring services meet local needs")
    influenced = engagement.links.get(kind="influenced_by")
    assert influenced.body.name == "NCL Engagement Advisory Board"
    supports = engagement.links.get(kind="supports")
    assert supports.level.name == "Neighbourhood"
    mdt = functions.get(title__startswith="Multi-disciplinary teams")
    assert [link.body.name for link in mdt.links.filter(kind="other").order_by("position")] == [
        "NCL wide workforce work",
        "NCL wide digital work",
        "NCL wide care pathway development",
        "NCL outcomes framework",
    ]
    # "NCL outcomes framework" and "NCL Outcomes Framework" are one body, not two strings, named as the seed
    # writes it in "Influenced by".
    assert list(Body.objects.filter(name__iexact="NCL outcomes framework").values_list("name", flat=True)) == [
        "NCL outcomes framework"
    ]


def test_seed_data_file_is_a_faithful_copy_of_seed_002():
    seeds = sorted(Path("/work/shared/seeds").glob("002_*.txt"))
    if not seeds:
        pytest.skip("seed 002 is not on this machine")
    seed_lines = {line.strip() for line in seeds[0].read_text().splitlines() if line.strip()}
    rows = [line for line in SEED_FILE.read_text().splitlines() if line.strip()]
    assert len(rows) == 38
    for row in rows:
        # The data file separates several links in a cell with "; " where the seed's cell had line breaks.
        assert row.replace("; ", " ") in seed_lines, row


def test_demo_load_is_idempotent(seeded):
    before = (Function.history.count(), FunctionLink.objects.count(), Body.objects.count())
    report = import_matrix_file(path=SEED_FILE, system=seeded)
    assert report.ok
    assert not report.changed
    assert len(report.unchanged) == 37
    assert (Function.history.count(), FunctionLink.objects.count(), Body.objects.count()) == before


def test_demo_needs_governance_system(db):
    with pytest.raises(demo.DemoPrerequisiteMissingError, match="slug 'ncl'"):
        demo.load(now=None, out=io.StringIO())


def test_demo_needs_the_ncl_levels(db):
    from tests.functions.factories import make_system

    make_system(levels=(("Neighbourhood", "neighbourhood"),))
    with pytest.raises(demo.DemoPrerequisiteMissingError, match="missing: borough-partnership, ncl"):
        demo.load(now=None, out=io.StringIO())


def test_csv_round_trip_is_byte_identical(seeded):
    first = matrix_csv(matrix_functions(system=seeded))
    report = import_matrix(stream=io.BytesIO(first), fmt="csv", system=seeded)
    assert report.ok
    assert not report.changed
    # Into a fresh copy of the structure too: another system with the same levels.
    from tests.functions.factories import make_system

    copy = make_system("copy", "Copy of NCL")
    assert import_matrix(stream=io.BytesIO(first), fmt="csv", system=copy).ok
    second = matrix_csv(matrix_functions(system=copy))
    assert second == first
    assert first.decode("utf-8-sig").count("\r\n") == 38


def test_xlsx_round_trip_is_cell_identical(seeded, tmp_path):
    from tests.functions.factories import make_system

    first = matrix_xlsx(matrix_functions(system=seeded))
    copy = make_system("copy", "Copy of NCL")
    assert import_matrix(stream=io.BytesIO(first), fmt="xlsx", system=copy).ok
    second = matrix_xlsx(matrix_functions(system=copy))

    def cells(data: bytes) -> list[tuple]:
        return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))

    assert cells(first) == cells(second)
    assert len(cells(first)) == 38


def test_export_import_export_via_commands(seeded, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    call_command("export_matrix", "--system", "ncl", "--format", "csv", "--output", str(first))
    call_command("import_matrix", str(first), "--system", "ncl", stdout=io.StringIO())
    call_command("export_matrix", "--system", "ncl", "--format", "csv", "--output", str(second))
    assert first.read_bytes() == second.read_bytes()
    xlsx = tmp_path / "a.xlsx"
    call_command("export_matrix", "--system", "ncl", "--format", "xlsx", "--output", str(xlsx))
    out = io.StringIO()
    call_command("import_matrix", str(xlsx), "--system", "ncl", stdout=out)
    assert "0 created, 0 updated, 0 retired, 37 unchanged" in out.getvalue()


def test_malformed_file_is_rejected_whole_with_every_reason(ncl):
    text = (
        HEADER
        + "Good function,NCL,Borough Partnership,-,-\n"
        + ",NCL,-,-,-\n"  # line 3: no title
        + "Bad owner,Borough,-,-,-\n"  # line 4
        + "Two owners,NCL; Neighbourhood,-,-,-\n"  # line 5
        + "Own level,NCL,NCL,-,-\n"  # line 6
        + "good function,NCL,-,-,-\n"  # line 7: duplicate of line 2
    )
    report = import_matrix(stream=_csv(text), fmt="csv", system=ncl)
    assert report.errors == [
        "Line 3: the function has no title.",
        "Line 4: 'Owned by' 'Borough' is not a level of North Central London; the levels are: "
        "Neighbourhood, Borough Partnership, NCL.",
        "Line 5: 'Owned by' names 2 levels; a function has exactly one owner.",
        "Line 6: 'Influenced by' names the function's own owning level, NCL.",
        "Line 7: the function 'good function' is already on line 2.",
    ]
    assert Function.objects.count() == 0
    assert Body.objects.count() == 0


def test_command_reports_errors_and_writes_nothing(ncl, tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("Function\tOwned by\tInfluenced by\tSupports\tOther key links to\nX\tRegion\t-\t-\tA body\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_matrix", str(path), "--system", "ncl", stderr=err)
    assert "Line 2: 'Owned by' 'Region' is not a level" in err.getvalue()
    assert "the levels are: Neighbourhood, Borough Partnership, NCL" in err.getvalue()
    assert Function.objects.count() == 0
    assert Body.objects.count() == 0


def test_missing_columns_and_unknown_system(ncl, tmp_path):
    report = import_matrix(stream=_csv("Function,Owner\nX,NCL\n"), fmt="csv", system=ncl)
    assert report.errors == [
        "Line 1: the header row must have the columns Function, Owned by, Influenced by, Supports, "
        "Other key links to; missing: Owned by, Influenced by, Supports, Other key links to."
    ]
    with pytest.raises(CommandError, match="No system with slug 'zzz'"):
        call_command("import_matrix", str(tmp_path / "x.csv"), "--system", "zzz")


def test_not_a_workbook_is_a_plain_error(ncl):
    report = import_matrix(stream=io.BytesIO(b"not a zip"), fmt="xlsx", system=ncl)
    assert report.errors == ["The file is not a readable Excel (.xlsx) workbook."]


def test_dry_run_shows_changes_and_writes_nothing(ncl, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "A function,NCL,Borough Partnership,New body,-\n")
    out = io.StringIO()
    call_command("import_matrix", str(path), "--system", "ncl", "--dry-run", stdout=out)
    assert "create: A function" in out.getvalue()
    assert "new body: New body" in out.getvalue()
    assert "Would import" in out.getvalue()
    assert Function.objects.count() == 0
    assert Body.objects.count() == 0


def test_reimport_updates_owner_and_retires_missing(ncl):
    import_matrix(stream=_csv(HEADER + "One,NCL,-,-,-\nTwo,NCL,-,-,-\n"), fmt="csv", system=ncl)
    report = import_matrix(stream=_csv(HEADER + "one,Neighbourhood,NCL,-,-\n"), fmt="csv", system=ncl)
    assert report.updated == ["one"]
    assert report.retired == ["Two"]
    one = Function.objects.get(title="one")
    assert one.owner.slug == "neighbourhood"
    assert one.history.count() == 2  # created, then updated
    assert Function.objects.get(title="Two").status == "retired"


def test_four_level_system_imports(nel):
    text = (
        HEADER
        + "Networks' MDTs,Networks,Place-based systems,-,-\n"
        + "Place planning,Place-based systems,Local systems,Networks,NEL outcomes framework\n"
        + "Acute contracting,Integrated Care System,Local systems,Local systems; Place-based systems,-\n"
    )
    report = import_matrix(stream=_csv(text), fmt="csv", system=nel)
    assert report.ok, report.errors
    assert len(report.created) == 3
    acute = Function.objects.get(title="Acute contracting")
    assert acute.owner.rank == 4
    assert [link.level.name for link in acute.links.filter(kind="supports").order_by("position")] == [
        "Local systems",
        "Place-based systems",
    ]
    exported = matrix_csv(matrix_functions(system=nel)).decode("utf-8-sig")
    assert "Acute contracting,Integrated Care System,Local systems,Local systems; Place-based systems,-" in exported


def test_xlsx_written_by_hand_imports(ncl):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Function", "Owned by", "Influenced by:", "Supports:", "Other key links to"])
    sheet.append(["From Excel", "NCL", "Borough Partnership", None, "Line one\nLine two"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = import_matrix(stream=buffer, fmt="xlsx", system=ncl)
    assert report.ok, report.errors
    function = Function.objects.get(title="From Excel")
    assert [link.body.name for link in function.links.filter(kind="other")] == ["Line one", "Line two"]


def test_formula_like_cells_survive_round_trip(ncl):
    import_matrix(stream=_csv(HEADER + "=SUM(A1),NCL,-,-,-\n"), fmt="csv", system=ncl)
    data = matrix_csv(matrix_functions(system=ncl))
    assert b"'=SUM(A1)" in data
    report = import_matrix(stream=io.BytesIO(data), fmt="csv", system=ncl)
    assert report.ok
    assert not report.changed


def test_xlsx_bad_rows_are_reported_by_spreadsheet_row(ncl):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Function", "Owned by", "Influenced by", "Supports", "Other key links to"])
    sheet.append(["Fine", "NCL", None, None, None])
    sheet.append([None, None, None, None, None])  # a blank row keeps its number
    sheet.append(["Wrong level", "Place", None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = import_matrix(stream=buffer, fmt="xlsx", system=ncl)
    assert report.errors == [
        "Line 4: 'Owned by' 'Place' is not a level of North Central London; the levels are: "
        "Neighbourhood, Borough Partnership, NCL."
    ]
    assert not Function.objects.exists()


# A cell may name levels and bodies together (the module docstring says so): it once crashed with a TypeError.
MIXED = HEADER + 'A function,NCL,"Borough Partnership; NCL Engagement Advisory Board","Neighbourhood\nA workstream",-\n'


def test_a_cell_naming_a_level_and_a_body_together_dry_runs(ncl, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED)
    out = io.StringIO()
    call_command("import_matrix", str(path), "--system", "ncl", "--dry-run", stdout=out)
    assert "create: A function" in out.getvalue()
    assert "new body: NCL Engagement Advisory Board" in out.getvalue()
    assert "new body: A workstream" in out.getvalue()
    assert (Function.objects.count(), Body.objects.count()) == (0, 0)


def test_a_cell_naming_a_level_and_a_body_together_imports_both_in_order_and_reimports_unchanged(ncl, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED)
    call_command("import_matrix", str(path), "--system", "ncl", stdout=io.StringIO())
    function = Function.objects.get(title="A function")
    links = [
        (link.kind, link.level.name if link.level else link.body.name)
        for link in function.links.select_related("level", "body").order_by("kind", "position")
    ]
    assert links == [
        ("influenced_by", "Borough Partnership"),
        ("influenced_by", "NCL Engagement Advisory Board"),
        ("supports", "Neighbourhood"),
        ("supports", "A workstream"),
    ]
    report = import_matrix_file(path=path, system=ncl)
    assert report.ok
    assert report.unchanged == ["A function"]
    assert not report.changed
