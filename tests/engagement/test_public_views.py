"""Public consultation pages: list, feed and a consultation's page in each state."""

import datetime
import re
import xml.etree.ElementTree as ET
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from engagement import deadlines
from engagement.models import Consultation
from tests.engagement.factories import ConsultationFactory, DocumentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
ATOM = "{http://www.w3.org/2005/Atom}"


def test_detail_url_and_open_page(client) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(slug="next-steps")
    assert reverse("engagement:consultation_detail", args=["next-steps"]) == "/consultations/next-steps/"
    response = client.get("/consultations/next-steps/")
    assert response.status_code == HTTPStatus.OK
    assert c.title in response.content.decode()


def test_a_system_wide_area_named_as_its_system_is_named_once(client) -> None:  # type: ignore[no-untyped-def]
    """NEL's system-wide area is "North East London", as is the system: the caption said it twice."""
    c = ConsultationFactory(slug="system-wide")
    area = c.owner_area
    area.name = c.system.name
    area.save()
    html = client.get("/consultations/system-wide/").content.decode()
    caption = re.search(r'<span class="nhsuk-caption-l">([^<]*)</span>', html)
    assert caption
    assert caption.group(1) == c.system.name
    assert f"{c.system.name} ({area.level.singular})" in html
    assert ", part of" not in html
    other = ConsultationFactory(slug="in-a-borough")
    html = client.get("/consultations/in-a-borough/").content.decode()
    assert f"{other.owner_area.name} · {other.system.name}" in html


def test_draft_and_unknown_are_not_public(client) -> None:  # type: ignore[no-untyped-def]
    ConsultationFactory(slug="secret", draft=True)
    assert client.get("/consultations/secret/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/consultations/no-such-thing/").status_code == HTTPStatus.NOT_FOUND


@pytest.fixture
def listing(areas):  # type: ignore[no-untyped-def]
    now = timezone.now()
    top_a, mid_a, bottom_a = areas["a"]
    make = ConsultationFactory
    return {
        "open_late": make(title="Open late", owner_area=mid_a, opens_at=now - 5 * DAY, closes_at=now + 30 * DAY),
        "open_soon": make(title="Open soon", owner_area=top_a, opens_at=now - 5 * DAY, closes_at=now + 2 * DAY),
        "forthcoming": make(title="Coming up", owner_area=bottom_a, forthcoming=True),
        "closed_old": make(title="Closed long ago", owner_area=areas["b"][0], opens_at=now - 90 * DAY,
                           closes_at=now - 60 * DAY),
        "closed_new": make(title="Closed lately", owner_area=mid_a, closed=True),
        "draft": make(title="A draft", owner_area=mid_a, draft=True),
    }  # fmt: skip


def _titles(html: str) -> list[str]:
    return re.findall(r'class="nhsuk-card__link" href="[^"]+">([^<]+)</a>', html)


def test_list_order_and_dates(client, listing) -> None:  # type: ignore[no-untyped-def]
    body = client.get(reverse("engagement:consultation_list")).content.decode()
    assert _titles(body) == ["Open soon", "Open late", "Coming up", "Closed lately", "Closed long ago"]
    assert "A draft" not in body
    soon = listing["open_soon"]
    assert deadlines.describe_closing(soon.closes_at) in body
    assert deadlines.describe_opening(listing["forthcoming"].opens_at) in body
    # A closed card says when it closed once: "Closed at 11:59pm on ...", not "Closed: closed at ...".
    closed = deadlines.describe_closed(listing["closed_old"].closes_at)
    assert f"C{closed[1:]} · Run by" in body
    assert "Closed: closed" not in body
    assert (
        body.index("Open consultations") < body.index("Forthcoming consultations") < body.index("Closed consultations")
    )


def test_list_filters(client, listing, areas) -> None:  # type: ignore[no-untyped-def]
    url = reverse("engagement:consultation_list")
    assert _titles(client.get(url, {"status": "open"}).content.decode()) == ["Open soon", "Open late"]
    assert _titles(client.get(url, {"status": "closed"}).content.decode()) == ["Closed lately", "Closed long ago"]
    assert _titles(client.get(url, {"status": "forthcoming"}).content.decode()) == ["Coming up"]
    # An area includes the areas above it and the areas below it; not another system's.
    mid = areas["a"][1]
    assert _titles(client.get(url, {"area": mid.pk}).content.decode()) == [
        "Open soon",
        "Open late",
        "Coming up",
        "Closed lately",
    ]
    assert _titles(client.get(url, {"area": mid.pk, "status": "open"}).content.decode()) == ["Open soon", "Open late"]
    # Aimed at an area counts too.
    listing["closed_old"].target_areas.add(mid)
    assert "Closed long ago" in _titles(client.get(url, {"area": mid.pk}).content.decode())
    # Nonsense filters are never a 500: an unknown area says so (and lists everything), a bad status is ignored.
    response = client.get(url, {"area": "x'; drop", "status": "<script>"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.content.decode()
    assert "We could not find that area. Choose where you live from the list." in body
    assert "<title>Error: " in body
    assert len(_titles(body)) == 5


def test_feed_is_valid_atom_with_entries(client, listing) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("engagement:consultation_feed"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed, in a test)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    titles = {e.findtext(f"{ATOM}title") for e in entries}
    assert titles == {"Open late", "Open soon", "Coming up", "Closed long ago", "Closed lately"}
    soon = next(e for e in entries if e.findtext(f"{ATOM}title") == "Open soon")
    assert soon.find(f"{ATOM}link").get("href").endswith(f"/consultations/{listing['open_soon'].slug}/")
    assert deadlines.describe_closing(listing["open_soon"].closes_at) in (soon.findtext(f"{ATOM}summary") or "")


def _feed(client):  # type: ignore[no-untyped-def]
    response = client.get(reverse("engagement:consultation_feed"))
    assert response.status_code == HTTPStatus.OK
    return response, ET.fromstring(response.content)  # noqa: S314 (our own feed, in a test)


def _atom_time(text: str | None) -> datetime.datetime:
    assert text, "missing date"
    return datetime.datetime.fromisoformat(text)


def test_feed_ids_are_tag_uris_stable_across_requests_and_edits(client, listing) -> None:  # type: ignore[no-untyped-def]
    _, root = _feed(client)
    assert re.fullmatch(r"https?://testserver/consultations/", root.findtext(f"{ATOM}id") or "")
    ids = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")}
    soon = listing["open_soon"]
    assert ids["Open soon"] == f"tag:testserver,{soon.created_at:%Y-%m-%d}:consultation/{soon.pk}"
    assert all(re.fullmatch(r"tag:testserver,\d{4}-\d{2}-\d{2}:consultation/\d+", i or "") for i in ids.values())
    assert len(set(ids.values())) == len(ids)

    soon.title, soon.slug = "Open soon, renamed", "open-soon-renamed"
    soon.save()
    _, again = _feed(client)
    ids_again = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")}
    assert ids_again.pop("Open soon, renamed") == ids.pop("Open soon")
    assert ids_again == ids


def test_feed_dates_never_lie_in_the_future(client, listing) -> None:  # type: ignore[no-untyped-def]
    """A forthcoming consultation opens in ten days: neither the feed nor its entry may claim that date yet."""
    before = timezone.now()
    response, root = _feed(client)
    after = timezone.now()
    feed_updated = _atom_time(root.findtext(f"{ATOM}updated"))
    assert feed_updated <= after
    last_modified = datetime.datetime.strptime(response["Last-Modified"], "%a, %d %b %Y %H:%M:%S GMT")
    assert last_modified.replace(tzinfo=datetime.UTC) <= after
    for entry in root.findall(f"{ATOM}entry"):
        published = _atom_time(entry.findtext(f"{ATOM}published"))
        updated = _atom_time(entry.findtext(f"{ATOM}updated"))
        assert published <= updated <= after, entry.findtext(f"{ATOM}title")
        assert updated <= feed_updated
    coming = next(e for e in root.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Coming up")
    assert _atom_time(coming.findtext(f"{ATOM}published")) < before  # announced, not yet open


def test_a_feed_entry_is_updated_when_its_status_changes(client, areas) -> None:  # type: ignore[no-untyped-def]
    """Last edited 20 days ago, it opened 5 days ago and closed yesterday: its entry (and the feed) changed then."""
    now = timezone.now()
    c = ConsultationFactory(title="Closed yesterday", owner_area=areas["a"][1], opens_at=now - 5 * DAY,
                            closes_at=now - DAY)  # fmt: skip
    Consultation.objects.filter(pk=c.pk).update(created_at=now - 20 * DAY, updated_at=now - 20 * DAY)
    response, root = _feed(client)
    (entry,) = root.findall(f"{ATOM}entry")
    assert _atom_time(entry.findtext(f"{ATOM}published")) == now - 20 * DAY
    assert _atom_time(entry.findtext(f"{ATOM}updated")) == c.closes_at
    assert _atom_time(root.findtext(f"{ATOM}updated")) == c.closes_at
    assert response["Last-Modified"] == http_date(c.closes_at.timestamp())


def test_feed_and_entries_have_authors(client, listing, settings) -> None:  # type: ignore[no-untyped-def]
    _, root = _feed(client)
    assert root.findtext(f"{ATOM}author/{ATOM}name") == settings.SERVICE_NAME
    for entry in root.findall(f"{ATOM}entry"):
        title = entry.findtext(f"{ATOM}title")
        consultation = next(c for c in listing.values() if c.title == title)
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == consultation.owner_area.name


def test_open_page_shows_deadline_onward_deadline_and_who_decides(client, areas, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    org = OrganisationFactory(name="North East London CCG")
    c = ConsultationFactory(
        owner_area=areas["a"][1],
        lead_organisation=org,
        closes_at=deadlines.closing_datetime(timezone.now().date() + 20 * DAY),
        onward_deadline=datetime.date(2031, 1, 8),
        onward_deadline_text="so the ICS can respond to NHS England and NHS Improvement",
        body="<p>Body <strong>text</strong></p><script>alert(1)</script>",
        contact_email="pmo@example.nhs.uk",
    )
    DocumentFactory(consultation=c, title="Draft plan", size=1_500_000)
    body = client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode()
    assert deadlines.describe_closing(c.closes_at) in body
    assert "11:59pm" in body
    assert "midnight" not in body
    assert "We will respond by 8 January 2031, so the ICS can respond to NHS England and NHS Improvement." in body
    assert areas["a"][1].name in body
    assert areas["a"][1].level.name in body
    assert "North East London CCG" in body
    assert '<a href="mailto:pmo@example.nhs.uk">pmo@example.nhs.uk</a>' in body
    assert body.count("We will respond by 8 January 2031") == 1
    assert "<strong>text</strong>" in body
    assert "<script>alert(1)</script>" not in body
    assert "Draft plan" in body
    assert "(PDF, 1.4 MB)" in body


def test_closed_page_shows_when_closed_and_no_way_in(client) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(closed=True)
    body = client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode()
    assert deadlines.describe_closed(c.closes_at) in body
    assert "We are no longer accepting responses." in body
    assert "Respond to this consultation" not in body
    assert "<form" not in body.split("<main", 1)[1]


def test_a_closed_page_does_not_go_on_promising_a_date_that_has_passed(client) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(
        closed=True,
        onward_deadline=timezone.localdate() - 3 * DAY,
        onward_deadline_text="so the ICS can respond to NHS England",
    )
    when = deadlines.format_date(c.onward_deadline)
    body = client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode()
    assert "We will respond" not in body
    assert (
        f"We said we would respond by {when}, so the ICS can respond to NHS England. We have not published what we"
        " did as a result on this website." in body
    )
    # The deadline day itself still reads as a promise.
    c.onward_deadline = deadlines.london_date(timezone.now())
    c.save(update_fields=["onward_deadline"])
    body = client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode()
    assert f"We will respond by {deadlines.format_date(c.onward_deadline)}, so" in body


def test_forthcoming_page_shows_opening(client) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(forthcoming=True)
    body = client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode()
    assert deadlines.describe_opening(c.opens_at) in body
    assert "Respond to this consultation" not in body


def test_open_page_links_to_respond_flow_when_it_exists(client) -> None:  # type: ignore[no-untyped-def]
    from django.urls import NoReverseMatch

    c = ConsultationFactory()
    body = client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode()
    try:
        start = reverse("engagement:respond_start", args=[c.slug])
    except NoReverseMatch:
        assert "Respond to this consultation" not in body
    else:
        assert f'href="{start}"' in body


def test_a_signed_in_resident_sees_their_own_response_not_a_second_way_in(client) -> None:  # type: ignore[no-untyped-def]
    from tests.engagement.factories import ResponseFactory
    from tests.factories import UserFactory

    c = ConsultationFactory()
    detail = reverse("engagement:consultation_detail", args=[c.slug])
    sent_by, drafting, other = UserFactory(), UserFactory(), UserFactory()
    sent = ResponseFactory(consultation=c, user=sent_by, state="submitted", submitted_at=timezone.now())
    ResponseFactory(consultation=c, user=drafting)
    ResponseFactory(consultation=ConsultationFactory(), user=other, state="submitted", submitted_at=timezone.now())

    client.force_login(sent_by)
    body = client.get(detail).content.decode()
    assert f"You sent your response on {deadlines.format_date(deadlines.london_date(sent.submitted_at))}" in body
    assert (
        f'<a href="{reverse("engagement:my_response", args=[sent.reference])}">See or change your response</a>' in body
    )
    assert "Respond to this consultation" not in body

    client.force_login(drafting)
    body = client.get(detail).content.decode()
    assert "You have started a response but not sent it yet." in body
    assert "Continue your response</a>" in body

    client.force_login(other)  # responded to another consultation only: the usual way in, nobody else's response
    body = client.get(detail).content.decode()
    assert "Respond to this consultation" in body
    assert sent.reference not in body
    assert "You sent your response" not in body


def test_late_grace_page_says_late_responses_accepted(client) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    c = ConsultationFactory(opens_at=now - 10 * DAY, closes_at=now - DAY / 4, late_grace=DAY)
    body = client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode()
    assert "Late responses are still accepted" in body


def test_page_lists_related_functions_with_owning_level(client, areas) -> None:  # type: ignore[no-untyped-def]
    from functions.models import Function

    top = areas["a"][0]
    function = Function.objects.create(system=top.system, title="Urgent and emergency care", owner=top.level)
    c = ConsultationFactory(owner_area=areas["a"][1])
    c.functions.add(function)
    body = client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode()
    assert "Urgent and emergency care" in body
    assert f"Urgent and emergency care</a>: decided at {top.level.name} level" in body
    owner = c.owner_area
    assert f"{owner.name} ({owner.level.singular}), part of {c.system.name}" in body  # "Decided by"
    assert f'href="/functions/?system={c.system.slug}"' in body
    assert reverse("functions:function_detail", args=[function.pk]) in body


def test_document_download(client, areas, scoped_manager, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    published = DocumentFactory(consultation=ConsultationFactory(owner_area=areas["a"][1]), title="The plan")
    url = reverse("engagement:consultation_document", args=[published.consultation.slug, published.pk])
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="the-plan.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert (
        url
        in client.get(reverse("engagement:consultation_detail", args=[published.consultation.slug])).content.decode()
    )
    # Another consultation's slug with this document's id: 404.
    other = ConsultationFactory(owner_area=areas["a"][1])
    assert client.get(reverse("engagement:consultation_document", args=[other.slug, published.pk])).status_code == 404
    # A draft's documents: only for its managers.
    draft_doc = DocumentFactory(consultation=ConsultationFactory(owner_area=areas["a"][1], draft=True))
    draft_url = reverse("engagement:consultation_document", args=[draft_doc.consultation.slug, draft_doc.pk])
    assert client.get(draft_url).status_code == HTTPStatus.NOT_FOUND
    client.force_login(scoped_manager)
    assert client.get(draft_url).status_code == HTTPStatus.OK


def test_list_feed_and_detail_query_counts_do_not_grow(client, areas) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == HTTPStatus.OK
        return len(ctx.captured_queries)

    first = ConsultationFactory(owner_area=areas["a"][1])
    ConsultationFactory(owner_area=areas["b"][2], closed=True)
    urls = [
        reverse("engagement:consultation_list"),
        reverse("engagement:consultation_feed"),
        reverse("engagement:consultation_detail", args=[first.slug]),
    ]
    before = [count(url) for url in urls]
    for n in range(8):
        c = ConsultationFactory(owner_area=areas["a"][n % 3], forthcoming=n % 2 == 0)
        c.target_areas.add(areas["a"][0])
    assert [count(url) for url in urls] == before
