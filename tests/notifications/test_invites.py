"""Invite lists: the CSV reader (every bad row listed by line, nothing half-imported), the upload page under a
consultation's manage page, re-uploads adding nobody twice, organisations matched by name, and access: a manager
of another borough can neither see nor remove invitees, whatever ids they guess."""

from http import HTTPStatus
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from notifications.invites import MAX_BYTES, MAX_ROWS, InviteFileRefusedError, invitees_parse
from notifications.models import Invitee
from tests.engagement.factories import ConsultationFactory, OrganisationFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

GOOD = "name,email,organisation\r\nAsha Patel,Asha@Example.org,Camden Council\r\nBen Ode,ben@example.org,\r\n"


def problems(data: bytes) -> list[str]:
    with pytest.raises(InviteFileRefusedError) as refused:
        invitees_parse(data=data)
    return refused.value.problems


def upload(client: Any, consultation: Any, data: bytes, name: str = "invite.csv") -> Any:
    return client.post(
        reverse("engagement:manage_invitees", args=[consultation.slug]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


# --- the reader ----------------------------------------------------------------------------------------------------


def test_a_good_file_with_excels_bom_and_any_column_order() -> None:
    rows = invitees_parse(data=b"\xef\xbb\xbfEmail,Name\nc@example.org,Cy\n\n")
    assert [(r.line, r.name, r.email, r.organisation) for r in rows] == [(2, "Cy", "c@example.org", "")]
    rows = invitees_parse(data=GOOD.encode())
    assert [r.email for r in rows] == ["asha@example.org", "ben@example.org"]  # stored lower case


def test_every_bad_row_is_listed_with_its_line() -> None:
    data = (
        "name,email,organisation\n"
        "Asha,asha@example.org,\n"  # 2: fine
        ",nobody-named@example.org,\n"  # 3
        "Ben,,\n"  # 4
        "Cy,not-an-address,\n"  # 5
        "Dee,ASHA@example.org,\n"  # 6: duplicate of line 2
        f"{'E' * 201},e@example.org,\n"  # 7
        f"Fay,f@example.org,{'O' * 201}\n"  # 8
        "Gus,g@example.org,Org,extra\n"  # 9
    ).encode()
    assert problems(data) == [
        "Line 3: enter the person's name",
        "Line 4: enter an email address",
        "Line 5: “not-an-address” is not an email address, like name@example.org",
        "Line 6: asha@example.org is already on line 2 of this file",
        "Line 7: the name must be 200 characters or fewer",
        "Line 8: the organisation must be 200 characters or fewer",
        "Line 9: it has 4 cells but the header row has 3 columns",
    ]


def test_a_row_is_named_by_its_first_line_when_a_cell_holds_a_line_break() -> None:
    data = (
        b"name,email,organisation,\n"  # a trailing comma: an empty column at the end is no column
        b'"Ann\nSmith",ann@example,Camden Carers Centre\n'  # lines 2 and 3
        b"Ben,not-an-address,\n"  # line 4
    )
    assert problems(data) == [
        "Line 2: “ann@example” is not an email address, like name@example.org",
        "Line 4: “not-an-address” is not an email address, like name@example.org",
    ]
    assert problems(b"name,,email\nA,,a@example.org\n") == [
        "Line 1: column 2 has no heading: give it one of name, email and organisation, or delete it"
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty. Upload a CSV file with a header row and one row per person."),
        (b"name,email\n", "The file has a header row but nobody below it. Add one row per person."),
        (b"full name,e-mail\nA,a@example.org\n", "Line 1: “full name” is not a column of an invite list"),
        (b"name,email,email\nA,a@example.org,b@example.org\n", "Line 1: the column “email” appears twice"),
        (b"name,organisation\nA,NHS\n", "Line 1: the header row has no “email” column"),
        (b"PK\x03\x04\x00\x00binary", "The file is not a CSV file."),
        ("name,email\nA,a@example.org\n".encode("utf-16"), "The file is not a CSV file"),
        ("name,email\nZoë,z@example.org\n".encode("latin-1"), "The file is not a CSV file saved as UTF-8."),
        (b"name,email\n" + b"x" * MAX_BYTES, "The file must be smaller than 5MB."),
    ],
)
def test_files_that_are_not_an_invite_list(data: bytes, expected: str) -> None:
    assert problems(data)[0].startswith(expected)


def test_too_many_rows_is_refused() -> None:
    data = "name,email\n" + "".join(f"P,p{n}@example.org\n" for n in range(MAX_ROWS + 1))
    assert problems(data.encode()) == [f"The file has more than {MAX_ROWS:,} people. Split it into smaller files."]


# --- the page ------------------------------------------------------------------------------------------------------


@pytest.fixture
def consultation(areas: Any) -> Any:
    return ConsultationFactory(owner_area=areas["a"][2], system=areas["a"][2].system, forthcoming=True)


def test_upload_adds_everyone_matches_organisations_and_a_second_upload_adds_nobody(  # type: ignore[no-untyped-def]
    client, scoped_manager, consultation
) -> None:
    camden = OrganisationFactory(name="Camden council", system=consultation.system)
    client.force_login(scoped_manager)
    overview = client.get(reverse("engagement:manage_consultation", args=[consultation.slug]))
    assert reverse("engagement:manage_invitees", args=[consultation.slug]) in overview.content.decode()

    response = upload(client, consultation, GOOD.encode())
    assert response.status_code == HTTPStatus.FOUND
    listed = {i.email: i for i in Invitee.objects.invited_to(consultation)}
    assert set(listed) == {"asha@example.org", "ben@example.org"}
    assert listed["asha@example.org"].organisation == camden  # matched ignoring case, canonical name kept
    assert listed["asha@example.org"].organisation_name == "Camden council"
    assert listed["ben@example.org"].organisation is None
    assert listed["asha@example.org"].added_by == scoped_manager

    page = client.get(response["Location"]).content.decode()
    assert "2 people added to the invite list." in page
    assert "Asha Patel" in page
    assert "ben@example.org" in page

    again = upload(client, consultation, (GOOD + "Cy,cy@example.org,Islington Mind\n").encode())
    assert (
        "1 person added to the invite list. 2 already on it were left as they were."
        in client.get(again["Location"]).content.decode()
    )
    assert Invitee.objects.invited_to(consultation).count() == 3
    cy = Invitee.objects.get(email="cy@example.org")
    assert (cy.organisation, cy.organisation_name) == (None, "Islington Mind")  # no such organisation: as typed


def test_a_bad_row_imports_nothing_and_the_page_lists_every_problem(client, scoped_manager, consultation) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    response = upload(client, consultation, (GOOD + "Cy,not-an-address,\n,d@example.org,\n").encode())
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "Nobody was added. Correct the file and upload it again." in page
    assert "Line 4: “not-an-address” is not an email address" in page
    assert "Line 5: enter the person&#39;s name" in page or "Line 5: enter the person's name" in page
    assert not Invitee.objects.exists(), "the good rows of a bad file are not imported either"


def test_each_problem_with_a_file_is_on_its_own_line_under_the_field(client, scoped_manager, consultation) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    response = upload(client, consultation, (GOOD + "Cy,<b>bad</b>,\n,d@example.org,\n").encode())
    page = parse(response.content.decode())
    message = page.one("span", class_="nhsuk-error-message")
    lines = [child for child in message.children if isinstance(child, str) and child.strip()]
    assert [line.strip() for line in lines] == [
        "Nobody was added. Correct the file and upload it again.",
        "Line 4: “<b>bad</b>” is not an email address, like name@example.org",  # escaped on the page, not bold
        "Line 5: enter the person's name",
    ]
    assert len(message.find_all("br")) == 2
    assert not message.find_all("b")
    summary = [a.text for a in page.one("div", class_="nhsuk-error-summary").find_all("a")]
    assert summary == [
        "Nobody was added. Correct the file and upload it again.",
        "Line 4: “<b>bad</b>” is not an email address, like name@example.org",
        "Line 5: enter the person's name",
    ]


def test_the_database_refuses_one_address_twice_on_a_list(consultation) -> None:  # type: ignore[no-untyped-def]
    Invitee.objects.create(target=consultation, email="a@example.org", name="A")
    with pytest.raises(IntegrityError):
        Invitee.objects.create(target=consultation, email="a@example.org", name="A again")


def test_the_list_is_paginated(client, scoped_manager, consultation) -> None:  # type: ignore[no-untyped-def]
    Invitee.objects.bulk_create(
        Invitee(target=consultation, email=f"p{n:03d}@example.org", name=f"Person {n:03d}") for n in range(120)
    )
    client.force_login(scoped_manager)
    url = reverse("engagement:manage_invitees", args=[consultation.slug])
    first, third = client.get(url).content.decode(), client.get(url + "?page=3").content.decode()
    assert "Person 000" in first
    assert "Person 050" not in first
    assert "Page 2 of 3" in first
    assert "Person 119" in third
    assert "Person 000" not in third
    assert client.get(url + "?page=nonsense").status_code == HTTPStatus.OK


def test_listing_makes_the_same_queries_for_5_or_50(client, scoped_manager, consultation) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(scoped_manager)
    url = reverse("engagement:manage_invitees", args=[consultation.slug])
    counts = []
    for total in (5, 50):
        Invitee.objects.all().delete()
        org = OrganisationFactory()
        Invitee.objects.bulk_create(
            Invitee(target=consultation, email=f"q{n}@example.org", name="Q", organisation=org) for n in range(total)
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == HTTPStatus.OK
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_removing_one_asks_first_then_removes_only_them(client, scoped_manager, consultation) -> None:  # type: ignore[no-untyped-def]
    keep = Invitee.objects.create(target=consultation, email="keep@example.org", name="Keep")
    gone = Invitee.objects.create(target=consultation, email="gone@example.org", name="Gone")
    client.force_login(scoped_manager)
    url = reverse("engagement:manage_invitee_remove", args=[consultation.slug, gone.pk])
    assert "Remove Gone from the invite list?" in client.get(url).content.decode()
    assert Invitee.objects.count() == 2, "a GET removes nobody"
    assert client.post(url).status_code == HTTPStatus.FOUND
    assert list(Invitee.objects.all()) == [keep]


def test_a_manager_of_another_borough_cannot_see_upload_or_remove(  # type: ignore[no-untyped-def]
    client, scoped_manager, other_manager, consultation, areas
) -> None:
    mine = Invitee.objects.create(target=consultation, email="mine@example.org", name="Mine")
    theirs_consultation = ConsultationFactory(owner_area=areas["b"][2], system=areas["b"][2].system)
    theirs = Invitee.objects.create(target=theirs_consultation, email="theirs@example.org", name="Theirs")

    client.force_login(other_manager)
    assert client.get(reverse("engagement:manage_invitees", args=[consultation.slug])).status_code == 404
    assert upload(client, consultation, GOOD.encode()).status_code == 404
    remove = reverse("engagement:manage_invitee_remove", args=[consultation.slug, mine.pk])
    assert client.post(remove).status_code == 404
    # Their own consultation's address with my invitee's id: still not found.
    guessed = reverse("engagement:manage_invitee_remove", args=[theirs_consultation.slug, mine.pk])
    assert client.post(guessed).status_code == 404
    assert set(Invitee.objects.values_list("email", flat=True)) == {"mine@example.org", "theirs@example.org"}

    client.force_login(scoped_manager)
    mine_url = reverse("engagement:manage_invitee_remove", args=[consultation.slug, theirs.pk])
    assert client.post(mine_url).status_code == 404
    assert (
        "theirs@example.org"
        not in client.get(reverse("engagement:manage_invitees", args=[consultation.slug])).content.decode()
    )
    assert Invitee.objects.filter(pk=theirs.pk).exists()


def test_people_without_the_role_are_refused(client, staff_user, consultation) -> None:  # type: ignore[no-untyped-def]
    url = reverse("engagement:manage_invitees", args=[consultation.slug])
    assert client.get(url).status_code == HTTPStatus.FOUND  # signed out: to sign in
    client.force_login(staff_user)
    assert upload(client, consultation, GOOD.encode()).status_code == HTTPStatus.FORBIDDEN
    assert not Invitee.objects.exists()


CELLS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@given(
    raw=st.one_of(
        st.binary(max_size=300),
        st.lists(st.lists(CELLS, max_size=5), max_size=6).map(
            lambda rows: "\n".join(",".join(cells) for cells in [["name", "email"], *rows]).encode()
        ),
    )
)
@settings(max_examples=300, deadline=None)
def test_any_upload_is_read_or_refused_in_words_never_a_crash(raw: bytes) -> None:
    """Whatever bytes a manager uploads: the people, or plain-English problems; never another exception (a 500)."""
    rows, problems = [], []
    try:
        rows = invitees_parse(data=raw)
    except InviteFileRefusedError as refused:
        problems = refused.problems
    assert bool(rows) != bool(problems)
    assert all(isinstance(p, str) for p in problems)
    assert all(problems)
    assert len({r.email for r in rows}) == len(rows)
