"""import_population: the shipped ONS figures load against the demo's GSS codes; every bad row is listed with its
line and nothing is half imported; a second import changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from governance import demo
from governance.importers import import_population
from governance.models import AreaCode, AreaPopulation
from tests.engagement.factories import AreaFactory

pytestmark = pytest.mark.django_db
HEADER = "gss_code,area,age_band,population,year,source\n"


@pytest.fixture
def barnet():  # type: ignore[no-untyped-def]
    area = AreaFactory(name="Barnet")
    AreaCode.objects.create(area=area, scheme=AreaCode.Scheme.GSS, code="E09000003")
    return area


def test_every_bad_row_is_listed_by_line_and_nothing_is_written(barnet) -> None:  # type: ignore[no-untyped-def]
    text = HEADER + (
        "E09000003,Barnet,,389300,2021,ONS\n"  # line 2: good
        "E0900003,Typo,,100,2021,ONS\n"  # 3: not a GSS code
        "E09000099,Nowhere,,100,2021,ONS\n"  # 4: no such area
        "E09000003,Barnet,,-5,2021,ONS\n"  # 5: negative
        "E09000003,Barnet,sixteen,100,2021,ONS\n"  # 6: bad band
        "E09000003,Barnet,,100,21,\n"  # 7: bad year, no source
        "E09000003,Barnet,,389300,2021,ONS again\n"  # 8: same as line 2
    )
    result = import_population(io.StringIO(text))
    assert [str(e) for e in result.errors] == [
        "line 3: 'E0900003' is not a GSS code (a letter then 8 digits, like E09000003)",
        "line 4: no area has the GSS code E09000099",
        "line 5: population '-5' is not a whole number above 0",
        "line 6: 'sixteen' is not an age band like 16_24, 75_plus or under_16 (or blank)",
        "line 7: year '21' is not a year like 2021",
        "line 7: the source is empty: say where the figure comes from",
        "line 8: the same area, age band and year as line 2",
    ]
    assert not AreaPopulation.objects.exists()


def test_the_command_reports_problems_and_fails(tmp_path, barnet) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "E09000003,Barnet,,lots,2021,ONS\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_population", str(path), stderr=err)
    assert "line 2: population 'lots' is not a whole number above 0" in err.getvalue()
    path.write_text("gss_code,year,source\nE09000003,2021,ONS\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing: population"):
        call_command("import_population", str(path))


def test_a_good_file_imports_age_bands_and_again_changes_nothing(tmp_path, barnet) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.csv"
    path.write_text(HEADER + 'E09000003,Barnet,,"389,300",2021,ONS\nE09000003,Barnet,16 24,41000,2021,ONS\n')
    out = io.StringIO()
    call_command("import_population", str(path), stdout=out)
    assert "2 created" in out.getvalue()
    assert sorted(AreaPopulation.objects.values_list("age_band", "population")) == [("", 389300), ("16_24", 41000)]
    out = io.StringIO()
    call_command("import_population", str(path), stdout=out)
    assert "0 created, 0 updated, 2 unchanged" in out.getvalue()


def test_the_shipped_census_figures_match_the_demo_areas(db) -> None:  # type: ignore[no-untyped-def]
    demo.load(now=None, out=io.StringIO())  # type: ignore[arg-type]
    figures = dict(AreaPopulation.objects.filter(age_band="").values_list("area__codes__code", "population"))
    assert len(figures) == 13
    assert figures["E09000003"] == 389_300  # Barnet
    assert figures["E09000001"] == 8_600  # City of London
    assert all("ons.gov.uk" in s for s in AreaPopulation.objects.values_list("source", flat=True))


def test_the_command_with_dry_run_writes_nothing_then_without_it_writes(tmp_path, barnet) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "E09000003,Barnet,,389300,2021,ONS\n", encoding="utf-8")
    call_command("import_population", str(path), "--dry-run", stdout=io.StringIO())
    assert not AreaPopulation.objects.exists()
    call_command("import_population", str(path), stdout=io.StringIO())
    assert AreaPopulation.objects.get().population == 389300
    with pytest.raises(CommandError, match="Cannot open"):
        call_command("import_population", str(tmp_path / "missing.csv"))
