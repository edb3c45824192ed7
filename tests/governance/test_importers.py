"""import_areas and import_epcn: good files, every bad row reported with nothing written, re-import, dry run."""

import io
import textwrap

import pytest
from django.core.management import CommandError, call_command

from governance.models import Area, AreaCode, Level, Membership, Organisation, System

pytestmark = pytest.mark.django_db


def write(tmp_path, text, name="areas.csv"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return str(path)


def run(command, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue()


def run_failing(command, *args):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(command, *args, stdout=out, stderr=err)
    return str(raised.value), err.getvalue()


def snapshot():
    return (
        System.objects.count(),
        Level.objects.count(),
        Area.objects.count(),
        AreaCode.objects.count(),
        Organisation.objects.count(),
        Area.history.count(),
    )


FIVE_LEVELS = """\
system,level,name,code,parent code
Test Region,Region,Test Region,E40000099,
Test Region,Sub-region,North Patch,E99000001,E40000099
Test Region,Sub-region,South Patch,E99000002,E40000099
Test Region,District,North District,E99000011,E99000001
Test Region,District,South District,E99000012,E99000002
Test Region,Locality,North Locality,E99000021,E99000011
Test Region,Street,Long Street,E99000031,E99000021
Test Region,Street,Short Street,,E99000021
"""


def test_a_five_level_system_from_csv(tmp_path):
    output = run("import_areas", write(tmp_path, FIVE_LEVELS))
    assert output.splitlines()[-1] == "14 created, 0 updated, 0 unchanged."
    system = System.objects.get(name="Test Region")
    ranks = {level.name: level.rank for level in system.levels.all()}
    assert ranks == {"Region": 5, "Sub-region": 4, "District": 3, "Locality": 2, "Street": 1}
    street = Area.objects.get(name="Short Street")
    assert street.level.rank == 1
    assert street.parent.name == "North Locality"
    assert street.parent.parent.parent.parent.name == "Test Region"
    assert AreaCode.objects.get(code="E99000031").area.name == "Long Street"
    assert Area.objects.filter(system=system).count() == 8


def test_a_two_level_system_from_csv(tmp_path):
    path = write(
        tmp_path,
        """\
        system,level,name,code,parent code
        Tiny,Whole,Tiny system,T01,
        Tiny,Part,Part one,T11,T01
        Tiny,Part,Part two,,T01
        """,
    )
    run("import_areas", path)
    system = System.objects.get(slug="tiny")
    assert [(lv.name, lv.rank) for lv in system.levels.order_by("rank")] == [("Part", 1), ("Whole", 2)]
    assert Area.objects.get(name="Part two").parent.name == "Tiny system"


def test_reimport_changes_nothing(tmp_path):
    path = write(tmp_path, FIVE_LEVELS)
    run("import_areas", path)
    before = snapshot()
    output = run("import_areas", path)
    assert "0 created, 0 updated, 8 unchanged" in output
    assert snapshot() == before


def test_dry_run_prints_changes_and_writes_nothing(tmp_path):
    before = snapshot()
    output = run("import_areas", write(tmp_path, FIVE_LEVELS), "--dry-run")
    assert "line 2: create Region 'Test Region' (E40000099)" in output
    assert "line 9: create Street 'Short Street' under 'North Locality'" in output
    # One system, five levels, eight areas.
    assert "Dry run, nothing written: 14 to create, 0 to update, 0 unchanged." in output
    assert snapshot() == before


def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path, demo_structure):
    path = write(
        tmp_path,
        """\
        system,level,name,code,parent code
        ncl,Neighbourhood,Barnet real PCN,U11111,E09000003
        ncl,Neighbourhood,,U22222,E09000003
        ncl,Neighbourhood,Bad code,not a code!,E09000003
        ncl,Neighbourhood,Lost,U33333,E09999999
        ncl,Neighbourhood,Skipping a level,U44444,E54000028
        ncl,Moon base,Nowhere,U55555,E09000003
        ncl,Neighbourhood,Twin,U11111,E09000007
        ncl,Borough Partnership,Orphan borough,E09000099,
        ncl,NCL,Second top,E54000099,E54000028
        nel,Place-based systems,Cross-system,E09000098,E09000003
        ncl,Borough Partnership,Stolen code,E09000012,E54000028
        """,
    )
    before = snapshot()
    message, errors = run_failing("import_areas", path)
    assert "nothing was written" in message
    expected = {
        3: "the name is empty",
        4: "neither a GSS code",
        5: "E09999999 is not in the file or the database",
        6: "not on the level just above",
        7: "'Moon base' is not a level of North Central London",
        8: "code U11111 is also on line 2",
        9: "needs a parent code",
        10: "takes no parent code",
        11: "another system",
        12: "already belongs to 'Hackney'",
    }
    for line, text in expected.items():
        assert any(e.startswith(f"line {line}: ") and text in e for e in errors.splitlines()), (line, errors)
    assert not any(e.startswith("line 2:") for e in errors.splitlines())
    assert snapshot() == before


def test_import_adds_to_an_existing_system_and_updates_by_code(tmp_path, demo_structure):
    path = write(
        tmp_path,
        """\
        system,level,name,code,parent code
        nel,Networks,Hackney network one,U90001,E09000012
        NEL,networks,Hackney network two,U90002,E09000012
        North East London,Place-based systems,Hackney,E09000012,E54000029
        """,
    )
    with pytest.raises(CommandError):
        # Hackney's parent is the City and Hackney local system, not the whole ICS.
        call_command("import_areas", path, stdout=io.StringIO(), stderr=io.StringIO())
    path = write(
        tmp_path,
        """\
        system,level,name,code,parent code
        nel,Networks,Hackney network one,U90001,E09000012
        NEL,networks,Hackney network two,U90002,E09000012
        """,
    )
    run("import_areas", path)
    hackney = Area.objects.get(system__slug="nel", slug="hackney")
    assert sorted(hackney.children.values_list("name", flat=True)) == ["Hackney network one", "Hackney network two"]
    renamed = write(
        tmp_path,
        """\
        system,level,name,code,parent code
        nel,Networks,Hackney network 1,U90001,E09000012
        """,
        name="renamed.csv",
    )
    output = run("import_areas", renamed)
    assert "update Networks 'Hackney network 1'" in output
    assert "'Hackney network one' → 'Hackney network 1'" in output
    assert AreaCode.objects.get(code="U90001").area.name == "Hackney network 1"


def test_a_file_without_the_columns_is_refused(tmp_path):
    message, _ = run_failing("import_areas", write(tmp_path, "name,code\nX,Y\n"))
    assert "missing: system, level, parent code" in message


def test_unreadable_and_missing_files_are_refused(tmp_path):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"system,level\n\xff\xfe\x00bad")
    message, _ = run_failing("import_areas", str(binary))
    assert "not UTF-8" in message or "not valid CSV" in message
    message, _ = run_failing("import_areas", str(tmp_path / "absent.csv"))
    assert "Cannot open" in message


def test_export_then_import_round_trips(tmp_path, demo_structure):
    exported = tmp_path / "ncl.csv"
    call_command("export_hierarchy", "--system", "ncl", "--output", str(exported))
    before = snapshot()
    output = run("import_areas", str(exported))
    assert "0 created, 0 updated, 36 unchanged" in output
    assert snapshot() == before


# --- ePCN ---------------------------------------------------------------------------------------------

EPCN = """\
PCN Code,PCN Name,Current Sub ICB Loc Code,Sub ICB Location Name,Open Date,Close Date
U10001,Barnet Test Network A,93C,NHS NCL ICB - 93C,20200701,
U10002,Barnet Test Network B,93C,NHS NCL ICB - 93C,20200701,
U10003,Camden Test Network,93C,NHS NCL ICB - 93C,20200701,
U10004,Closed Network,93C,NHS NCL ICB - 93C,20200701,20230331
"""
EPCN_MAP = ["--map", "U10001=barnet", "--map", "U10002=E09000003", "--map", "U10003=camden"]


def test_epcn_creates_pcns_and_their_areas(tmp_path, demo_structure):
    output = run("import_epcn", write(tmp_path, EPCN), "--system", "ncl", *EPCN_MAP)
    assert "skip U10004 'Closed Network', closed on 20230331" in output
    pcn = Organisation.objects.get(ods_code="U10001")
    assert pcn.kind == Organisation.Kind.PCN
    area = Area.objects.get(codes__code="U10001")
    assert area.name == "Barnet Test Network A"
    assert area.level.slug == "neighbourhood"
    assert area.parent.slug == "barnet"
    assert not area.is_placeholder
    assert Membership.objects.filter(organisation=pcn, area=area).exists()
    assert Area.objects.get(codes__code="U10003").parent.slug == "camden"
    assert not Organisation.objects.filter(ods_code="U10004").exists()


def test_epcn_maps_by_sub_icb_code_and_by_mapping_file(tmp_path, demo_structure):
    path = write(tmp_path, EPCN)
    mapping = write(tmp_path, "key,area\nU10003,camden\n", name="map.csv")
    run("import_epcn", path, "--system", "ncl", "--map", "93C=barnet", "--map-file", mapping)
    assert Area.objects.get(codes__code="U10001").parent.slug == "barnet"
    assert Area.objects.get(codes__code="U10003").parent.slug == "camden"


def test_epcn_reimport_and_dry_run_change_nothing(tmp_path, demo_structure):
    path = write(tmp_path, EPCN)
    before = snapshot()
    output = run("import_epcn", path, "--system", "ncl", *EPCN_MAP, "--dry-run")
    assert "Dry run, nothing written: 6 to create" in output
    assert "line 2: create Neighbourhood 'Barnet Test Network A' (U10001) under 'Barnet'" in output
    assert snapshot() == before
    run("import_epcn", path, "--system", "ncl", *EPCN_MAP)
    after_first = snapshot()
    output = run("import_epcn", path, "--system", "ncl", *EPCN_MAP)
    assert "0 created, 0 updated, 6 unchanged, 1 skipped" in output
    assert snapshot() == after_first


def test_epcn_bad_rows_are_all_reported_and_nothing_written(tmp_path, demo_structure):
    path = write(
        tmp_path,
        """\
        PCN Code,PCN Name,Current Sub ICB Loc Code,Close Date,Area
        U10001,Good Network,93C,,
        X123,Bad Code Network,93C,,
        U10002,,93C,,
        U10001,Duplicate,93C,,
        U10005,Unmapped Network,A3A8R,,
        U10006,Wrong Level Network,ZZZ,,barnet-neighbourhood-1
        U10007,Unknown Area Network,ZZZ,,atlantis
        U10008,good network,93C,,
        """,
    )
    before = snapshot()
    _message, errors = run_failing("import_epcn", path, "--system", "ncl", "--map", "93C=barnet")
    lines = errors.splitlines()
    for line, text in {
        3: "should be U followed by five",
        4: "the PCN name is empty",
        5: "also on line 2",
        6: "no area for PCN U10005 (sub-ICB A3A8R)",
        7: "on level Neighbourhood, not Borough Partnership",
        8: "no area 'atlantis' in North Central London",
        9: "the name 'good network' is also on line 2",
    }.items():
        assert any(e.startswith(f"line {line}: ") and text in e for e in lines), (line, errors)
    assert snapshot() == before


def test_epcn_replaces_placeholders_when_asked(tmp_path, demo_structure):
    path = write(tmp_path, EPCN)
    output = run("import_epcn", path, "--system", "ncl", *EPCN_MAP, "--replace-placeholders")
    assert "remove placeholder 'Barnet neighbourhood 1 (placeholder)'" in output
    barnet = Area.objects.get(system__slug="ncl", slug="barnet")
    assert sorted(barnet.children.values_list("name", flat=True)) == ["Barnet Test Network A", "Barnet Test Network B"]
    assert Area.objects.filter(parent__slug="enfield", is_placeholder=True).count() == 4


def test_epcn_mapping_to_an_unknown_area_is_refused(tmp_path, demo_structure):
    message, _ = run_failing("import_epcn", write(tmp_path, EPCN), "--system", "ncl", "--map", "93C=atlantis")
    assert "no area 'atlantis'" in message
    message, _ = run_failing("import_epcn", write(tmp_path, EPCN), "--system", "ncl", "--map", "93C=ncl")
    assert "PCNs go under an area on level Borough Partnership" in message
    message, _ = run_failing("import_epcn", write(tmp_path, EPCN), "--system", "ncl", "--map", "93C")
    assert "should look like 93C=barnet" in message
    message, _ = run_failing("import_epcn", write(tmp_path, EPCN), "--system", "nope")
    assert "No system" in message


def test_a_new_system_with_inconsistent_levels_is_refused(tmp_path):
    path = write(
        tmp_path,
        """\
        system,level,name,code,parent code
        Odd,Top,Odd system,O01,
        Odd,Middle,Middle one,O11,O01
        Odd,Bottom,Bottom one,O21,O11
        Odd,Bottom,Bottom two,O22,O01
        Odd,Middle,Middle orphan,O12,
        """,
    )
    before = snapshot()
    _message, errors = run_failing("import_areas", path)
    assert "line 5: areas on level Bottom sit under level Middle on line 4, but here under Top" in errors
    assert "line 6: only areas on the top level (Top, line 2) may have no parent code" in errors
    assert snapshot() == before


def test_a_system_named_like_a_page_gets_a_safe_slug(tmp_path):
    path = write(tmp_path, "system,level,name,code,parent code\nSearch,Whole,Search area,,\n")
    run("import_areas", path)
    assert System.objects.get(name="Search").slug == "search-ics"
    assert "0 created, 0 updated, 1 unchanged" in run("import_areas", path)


def test_a_new_system_cannot_take_a_code_already_in_use(tmp_path, demo_structure):
    path = write(tmp_path, "system,level,name,code,parent code\nFresh,Whole,Fresh area,E09000003,\n")
    before = snapshot()
    _message, errors = run_failing("import_areas", path)
    assert "line 2: code E09000003 already belongs to 'Barnet' (North Central London)" in errors
    assert snapshot() == before
    assert AreaCode.objects.get(code="E09000003").area.slug == "barnet"
