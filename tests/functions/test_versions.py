from http import HTTPStatus

import pytest
from django.utils import timezone

from functions.models import Body, Function, FunctionLink
from functions.selectors import version_diff
from functions.services import VersionNameTakenError, version_publish


def test_diff_reports_added_removed_owner_and_links(seeded, staff_user):
    old = version_publish(system=seeded, name="Before", by=staff_user, now=timezone.now())
    levels = {level.slug: level for level in seeded.levels.all()}
    single = Function.objects.get(title="Single data platform")
    single.owner = levels["borough-partnership"]
    single.save()
    FunctionLink.objects.filter(function=single, kind="influenced_by").update(level=levels["neighbourhood"])
    Function.objects.filter(title="Business planning").update(status="retired")
    Function.objects.create(system=seeded, title="Estates strategy", owner=levels["ncl"], category="estates")
    renamed = Function.objects.get(title="Monitoring and evaluation capability")
    renamed.title = "Monitoring and evaluation"
    renamed.save()
    new = version_publish(system=seeded, name="After", by=staff_user, now=timezone.now())

    diff = version_diff(old=old.data, new=new.data)
    assert diff.added == ["Estates strategy"]
    assert diff.removed == ["Business planning"]
    assert diff.renamed == [("Monitoring and evaluation capability", "Monitoring and evaluation")]
    assert diff.owner_changed == [("Single data platform", "NCL", "Borough Partnership")]
    assert [(c.title, c.relationship, c.removed, c.added) for c in diff.links_changed] == [
        ("Single data platform", "Influenced by", ["Borough Partnership"], ["Neighbourhood"])
    ]
    assert version_diff(old=new.data, new=new.data).empty


def test_snapshot_does_not_change_when_the_matrix_does(seeded):
    version = version_publish(system=seeded, name="v1", by=None, now=timezone.now())
    Body.objects.filter(name="NCL Engagement Advisory Board").update(name="Engagement board")
    version.refresh_from_db()
    engagement = next(f for f in version.data["functions"] if f["title"].startswith("Engagement with residents"))
    assert engagement["influenced_by"] == ["NCL Engagement Advisory Board"]


def test_version_names_are_unique(seeded):
    version_publish(system=seeded, name="v1", by=None, now=timezone.now())
    with pytest.raises(VersionNameTakenError):
        version_publish(system=seeded, name=" V1 ", by=None, now=timezone.now())


def test_compare_page(client, seeded):
    old = version_publish(system=seeded, name="Before", by=None, now=timezone.now())
    Function.objects.filter(title="CHC hub and spoke coordination").update(status="retired")
    html = client.get("/functions/versions/ncl/compare/", {"old": old.pk, "new": "current"}).content.decode()
    assert "Functions removed (1)" in html
    assert "CHC hub and spoke coordination" in html
    same = client.get("/functions/versions/ncl/compare/", {"old": old.pk, "new": old.pk})
    assert "Choose two different versions to compare" in same.content.decode()
    bad = client.get("/functions/versions/ncl/compare/", {"old": "999", "new": "abc"})
    assert bad.status_code == HTTPStatus.OK
    assert "Choose a version from the list" in bad.content.decode()
