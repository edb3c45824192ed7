import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from functions.models import Body, Function, FunctionLink
from functions.selectors import matrix_problems


def test_seed_matrix_is_consistent(seeded):
    out = io.StringIO()
    call_command("check_matrix", "--system", "ncl", stdout=out)
    assert "The function matrix is consistent." in out.getvalue()
    assert matrix_problems(system=seeded) == []


def test_reports_every_kind_of_problem(client, seeded, nel):
    levels = {level.slug: level for level in seeded.levels.all()}
    single = Function.objects.get(title="Single data platform")
    FunctionLink.objects.create(function=single, kind="supports", level=levels["ncl"])  # its own owner
    Function.objects.create(system=seeded, title=" single data platform", owner=levels["ncl"])
    Body.objects.create(system=seeded, name="Unused board")
    # An owner from another system can only come from outside the app's checks: bypass the trigger to test it.
    orphan = Function.objects.create(system=seeded, title="Orphan", owner=levels["ncl"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off for this statement
        cursor.execute("UPDATE functions_function SET owner_id = %s WHERE id = %s", [nel.levels.first().pk, orphan.pk])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    kinds = sorted(p.kind for p in matrix_problems(system=seeded))
    assert kinds == ["duplicate", "own_level", "owner", "unused_body"]

    out = io.StringIO()
    with pytest.raises(CommandError, match="4 problem"):
        call_command("check_matrix", "--system", "ncl", stdout=out)
    text = out.getvalue()
    assert "'Orphan' is owned by Networks, which is not a level of North Central London." in text
    assert "'Single data platform' is owned by NCL and also says 'Supports' NCL." in text
    assert "2 functions are titled 'Single data platform'." in text
    assert "No current function links to 'Unused board'." in text

    html = client.get("/functions/check/ncl/").content.decode()
    assert "4 problems found." in html
    assert "Bodies no function uses (1)" in html


def test_retired_functions_are_ignored_and_bodies_they_used_become_unused(seeded):
    Function.objects.filter(title__startswith="Engagement with residents").update(status="retired")
    problems = matrix_problems(system=seeded)
    assert [p.message for p in problems] == ["No current function links to 'NCL Engagement Advisory Board'."]


def test_a_system_with_no_functions_is_not_called_consistent(client, seeded, nel):  # type: ignore[no-untyped-def]
    html = client.get("/functions/check/nel/").content.decode()
    assert "No functions are loaded for North East London yet, so there is nothing to check." in html
    assert "No problems found" not in html
    assert "No problems found: the matrix is consistent." in client.get("/functions/check/ncl/").content.decode()


def test_a_level_of_a_system_with_no_functions_does_not_link_to_another_systems_grid(client, seeded, nel):  # type: ignore[no-untyped-def]
    level = nel.levels.order_by("rank").first()
    html = client.get(f"/functions/levels/nel/{level.slug}/").content.decode()
    assert "This level in the matrix grid" not in html
    ncl_level = seeded.levels.order_by("rank").first()
    assert "This level in the matrix grid" in client.get(f"/functions/levels/ncl/{ncl_level.slug}/").content.decode()
