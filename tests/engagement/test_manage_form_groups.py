"""The consultation form stays short: target areas grouped by level (placeholder names apart) and functions by
the level that owns them, each group a details element that works without JavaScript (ics_portal/forms.py
grouped checkboxes, engagement/forms_manage.py)."""

from http import HTTPStatus
from typing import Any

import pytest
from django.urls import reverse

from engagement.models import Consultation
from functions.models import Function
from governance.models import Area
from tests.engagement.factories import ConsultationFactory
from tests.engagement.test_manage_views import _consultation_post
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(areas: dict[str, Any]) -> dict[str, Any]:
    top, middle, _bottom = areas["a"]
    boroughs = [
        Area.objects.create(system=top.system, level=middle.level, parent=top, name=f"Borough {i}", slug=f"b{i}")
        for i in range(12)
    ]
    stand_in = Area.objects.create(
        system=top.system, level=middle.level, parent=top, name="Network TBC", slug="tbc", is_placeholder=True
    )
    Function.objects.create(system=top.system, title="Estates", owner=middle.level)
    Function.objects.create(system=top.system, title="Strategy", owner=top.level)
    return {"boroughs": boroughs, "stand_in": stand_in, "top": top, "middle": middle}


def groups(html: str, legend: str) -> list[Any]:
    fieldset = next(f for f in parse(html).find_all("fieldset") if legend in f.one("legend").text)
    return fieldset.find_all("details")


def test_target_areas_and_functions_are_grouped_and_closed_until_chosen(client, many, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    html = client.get(reverse("engagement:manage_create")).content.decode()

    targets = groups(html, "Areas it is aimed at")
    labels = [d.one("summary").text for d in targets]
    middle = many["middle"].level.name
    assert labels[-1] == "A: placeholder names (1)", "stand-in names apart, last"
    assert f"A: {middle} (13)" in labels, "the level's 12 boroughs and the system's middle area"
    assert "Network TBC" not in next(d for d in targets if middle in d.one("summary").text).text
    assert all("open" not in d.attrs for d in targets), "closed: the form is short"
    functions = [d.one("summary").text for d in groups(html, "Functions it concerns")]
    assert sorted(functions) == sorted([f"A: owned by {many['top'].level.name} (1)", f"A: owned by {middle} (1)"])
    assert parse(html).find_all("input", id="id_target_areas"), "the error summary's link has a target"


def test_chosen_areas_are_saved_and_their_group_opens(client, many, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    chosen = many["boroughs"][3]
    data = _consultation_post(many["middle"], target_areas=[str(chosen.pk)])
    assert client.post(reverse("engagement:manage_create"), data).status_code == HTTPStatus.FOUND
    consultation = Consultation.objects.get()
    assert list(consultation.target_areas.all()) == [chosen]

    html = client.get(reverse("engagement:manage_edit", args=[consultation.slug])).content.decode()
    opened = [d for d in groups(html, "Areas it is aimed at") if "open" in d.attrs]
    assert len(opened) == 1
    assert opened[0].one("input", value=str(chosen.pk)).attrs.get("checked") is not None


def test_an_area_from_another_system_is_refused_with_a_message(client, many, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    c = ConsultationFactory(owner_area=many["middle"], closed=True)
    data = _consultation_post(many["middle"], target_areas=[str(areas["b"][0].pk)])
    page = client.post(reverse("engagement:manage_edit", args=[c.slug]), data)
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "Choose areas from the list: they must be in your systems" in html
    assert all("open" in d.attrs for d in groups(html, "Areas it is aimed at")), "opened to show the error"
    assert not c.target_areas.exists()


def test_optional_settings_are_folded_away_and_open_on_their_error(client, many, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    html = client.get(reverse("engagement:manage_create")).content.decode()
    folded = next(d for d in parse(html).find_all("details") if "Optional settings" in d.one("summary").text)
    assert "open" not in folded.attrs
    assert folded.find_all("input", name="reminder_offsets"), "still sent with the form when closed"

    data = _consultation_post(many["middle"], reminder_offsets="seven")
    page = client.post(reverse("engagement:manage_create"), data)
    assert page.status_code == HTTPStatus.OK
    folded = next(
        d for d in parse(page.content.decode()).find_all("details") if "Optional settings" in d.one("summary").text
    )
    assert "open" in folded.attrs, "the error is visible where the error summary links"
    assert not Consultation.objects.exists()
