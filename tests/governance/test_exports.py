"""export_hierarchy after the demo: NCL's boroughs and neighbourhoods, NEL without invented networks."""

import csv
import io
import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from governance.models import Area, AreaCode

pytestmark = pytest.mark.django_db

NCL_BOROUGH_GSS = {"E09000003", "E09000007", "E09000010", "E09000014", "E09000019"}


def export(*args):
    out = io.StringIO()
    call_command("export_hierarchy", *args, stdout=out)
    return out.getvalue()


def test_ncl_csv_has_five_boroughs_and_thirty_neighbourhoods(demo_structure):
    rows = list(csv.DictReader(io.StringIO(export("--format", "csv", "--system", "ncl"))))
    assert {row["system"] for row in rows} == {"ncl"}
    by_level = Counter(row["level"] for row in rows)
    assert by_level == {"NCL": 1, "Borough Partnership": 5, "Neighbourhood": 30}

    boroughs = [row for row in rows if row["level"] == "Borough Partnership"]
    assert {row["code"] for row in boroughs} == NCL_BOROUGH_GSS
    assert {row["parent code"] for row in boroughs} == {"E54000028"}

    gss_to_name = {row["code"]: row["name"] for row in boroughs}
    split = Counter(row["parent code"] for row in rows if row["level"] == "Neighbourhood")
    assert {gss_to_name[code]: n for code, n in split.items()} == {
        "Barnet": 7,
        "Camden": 7,
        "Enfield": 4,
        "Haringey": 8,
        "Islington": 4,
    }
    neighbourhoods = [row for row in rows if row["level"] == "Neighbourhood"]
    assert all(row["placeholder"] == "yes" and "(placeholder)" in row["name"] for row in neighbourhoods)
    assert "Barnet neighbourhood 1 (placeholder)" in {row["name"] for row in neighbourhoods}


def test_ncl_json_is_a_tree(demo_structure):
    data = json.loads(export("--format", "json", "--system", "ncl"))
    (system,) = data["systems"]
    assert system["slug"] == "ncl"
    assert [level["slug"] for level in system["levels"]] == ["neighbourhood", "borough-partnership", "ncl"]
    (top,) = system["areas"]
    assert {c["code"] for c in top["codes"]} >= {"E54000028", "QMJ"}
    assert len(top["children"]) == 5
    counts = {b["name"]: len(b["children"]) for b in top["children"]}
    assert counts == {"Barnet": 7, "Camden": 7, "Enfield": 4, "Haringey": 8, "Islington": 4}


def test_nel_has_three_local_systems_eight_places_and_no_invented_networks(demo_structure):
    rows = list(csv.DictReader(io.StringIO(export("--system", "nel"))))
    by_level = Counter(row["level"] for row in rows)
    assert by_level == {"Integrated Care System": 1, "Local systems": 3, "Place-based systems": 8}
    places = {row["name"]: (row["code"], row["parent"]) for row in rows if row["level"] == "Place-based systems"}
    assert places["Hackney"] == ("E09000012", "city-and-hackney")
    assert places["City of London"] == ("E09000001", "city-and-hackney")
    assert places["Havering"] == ("E09000016", "bhr")
    assert places["Tower Hamlets"] == ("E09000030", "wel")


def test_export_of_all_systems_and_to_a_file(demo_structure, tmp_path):
    target = tmp_path / "all.csv"
    call_command("export_hierarchy", "--output", str(target))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {row["system"] for row in rows} == {"ncl", "nel"}
    assert len(rows) == Area.objects.count()


def test_unknown_system_is_a_clear_error(demo_structure):
    with pytest.raises(CommandError, match="No system with slug 'nope'"):
        export("--system", "nope")


def test_demo_is_idempotent(demo_structure):
    from governance import demo
    from governance.models import Area as AreaModel

    before = (AreaModel.objects.count(), AreaModel.history.count(), AreaCode.objects.count())
    out = io.StringIO()
    demo.load(now=None, out=out)
    assert "0 created, 0 updated" in out.getvalue()
    assert (AreaModel.objects.count(), AreaModel.history.count(), AreaCode.objects.count()) == before


def test_icbs_have_their_ods_codes(demo_structure):
    from governance.models import Organisation

    assert Organisation.objects.get(ods_code="QMJ").name == "NHS North Central London Integrated Care Board"
    assert Organisation.objects.get(ods_code="QMF").name == "NHS North East London Integrated Care Board"
    assert Organisation.objects.filter(kind="local_authority").count() == 13


def test_nel_trusts_from_seed_004_are_members_of_their_local_systems(demo_structure):
    from governance.models import Membership

    wel = set(Membership.objects.filter(area__slug="wel").values_list("organisation__name", flat=True))
    assert "Barts Health NHS Trust" in wel
    assert "Homerton University Hospital NHS Foundation Trust" in wel
    bhr = set(
        Membership.objects.filter(area__slug="bhr", organisation__kind="trust").values_list(
            "organisation__name", flat=True
        )
    )
    assert bhr == {
        "Barking, Havering and Redbridge University Hospitals NHS Trust",
        "North East London NHS Foundation Trust",
    }
    # No code is invented for them.
    from governance.models import Organisation

    assert set(Organisation.objects.filter(kind="trust").values_list("ods_code", flat=True)) == {""}


def test_the_downloads_carry_each_areas_newest_all_ages_population_with_its_source(demo_structure):
    from governance.models import AreaPopulation

    camden = Area.objects.get(system__slug="ncl", slug="camden")
    AreaPopulation.objects.create(area=camden, population=215_000, source="ONS mid-year estimate 2024", year=2024)
    AreaPopulation.objects.create(area=camden, population=99, age_band="16_24", source="By age", year=2025)

    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(export("--system", "ncl")))}
    # The shipped ONS Census 2021 figure, as on the area page (governance/data/).
    barnet = rows["barnet"]
    assert (barnet["population"], barnet["population year"]) == ("389300", "2021")
    assert barnet["population source"].startswith("ONS Census 2021 first results, table P01")
    camden_row = rows["camden"]
    assert (camden_row["population"], camden_row["population year"]) == ("215000", "2024")
    assert camden_row["population source"] == "ONS mid-year estimate 2024"
    assert rows["barnet-neighbourhood-1"]["population"] == ""  # none recorded

    (system,) = json.loads(export("--format", "json", "--system", "ncl"))["systems"]
    boroughs = {b["slug"]: b for b in system["areas"][0]["children"]}
    assert boroughs["camden"]["population"] == {
        "residents": 215_000,
        "year": 2024,
        "source": "ONS mid-year estimate 2024",
    }
    assert boroughs["barnet"]["population"]["residents"] == 389_300
    assert boroughs["barnet"]["children"][0]["population"] is None
