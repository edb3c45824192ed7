"""Consultation managers' pages: create, edit, questions, documents, publish; refusals; access control."""

import datetime
import io
import zipfile
from http import HTTPStatus
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from engagement import deadlines
from engagement.models import Answer, Consultation, Document, Question, Response
from tests.engagement.factories import ConsultationFactory, QuestionFactory, SectionFactory
from tests.html import parse, table_rows

pytestmark = pytest.mark.django_db


def _date(prefix: str, day: int, month: int, year: int) -> dict[str, str]:
    return {f"{prefix}-day": str(day), f"{prefix}-month": str(month), f"{prefix}-year": str(year)}


def _consultation_post(area: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "title": "Next steps for our ICS",
        "owner_area": str(area.pk),
        "summary": "Tell us what you think.",
        "body": "First paragraph with **bold**.\n\n- one\n- two\n\n<script>alert(1)</script>",
        "contact_email": "pmo@example.nhs.uk",
        **_date("opens_on", 1, 12, 2020),
        **_date("closes_on", 4, 1, 2021),
        **_date("onward_deadline", 8, 1, 2021),
        "onward_deadline_text": "so the ICS can respond to NHS England",
    }
    data.update(extra)
    return data


def _answer(question: Question, value: Any) -> Answer:
    response = Response.objects.create(consultation=question.consultation, reference=f"R{Response.objects.count():08d}")
    return Answer.objects.create(response=response, question=question, value=value)


# --- access --------------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, areas) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1])
    for url in (reverse("engagement:manage_list"), reverse("engagement:manage_edit", args=[c.slug])):
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert "/accounts/" in response["Location"]


def test_staff_and_unscoped_manager_get_403(client, staff_user, manager_user) -> None:  # type: ignore[no-untyped-def]
    for user in (staff_user, manager_user):
        client.force_login(user)
        assert client.get(reverse("engagement:manage_list")).status_code == HTTPStatus.FORBIDDEN
        assert client.get(reverse("engagement:manage_create")).status_code == HTTPStatus.FORBIDDEN


def test_manager_outside_area_gets_404_and_changes_nothing(client, areas, scoped_manager, other_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][2], draft=True)
    q = QuestionFactory(consultation=c)
    client.force_login(other_manager)
    for name in ("manage_consultation", "manage_edit", "manage_preview", "manage_question_add"):
        assert client.get(reverse(f"engagement:{name}", args=[c.slug])).status_code == HTTPStatus.NOT_FOUND
    assert client.post(reverse("engagement:manage_publish", args=[c.slug])).status_code == HTTPStatus.NOT_FOUND
    url = reverse("engagement:manage_question_delete", args=[c.slug, q.pk])
    assert client.post(url).status_code == HTTPStatus.NOT_FOUND
    c.refresh_from_db()
    assert not c.is_published
    assert Question.objects.filter(pk=q.pk).exists()
    # Not in their list either; the scoped manager sees it.
    assert c.title not in client.get(reverse("engagement:manage_list")).content.decode()
    client.force_login(scoped_manager)
    assert c.title in client.get(reverse("engagement:manage_list")).content.decode()
    assert client.get(reverse("engagement:manage_consultation", args=[c.slug])).status_code == HTTPStatus.OK


def test_manager_cannot_create_for_area_above_theirs(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    response = client.post(reverse("engagement:manage_create"), _consultation_post(areas["a"][0]))
    assert response.status_code == HTTPStatus.OK
    assert "Choose an area you manage" in response.content.decode()
    assert not Consultation.objects.exists()


def test_superuser_manages_everything(client, areas, superuser) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["b"][2])
    client.force_login(superuser)
    assert client.get(reverse("engagement:manage_consultation", args=[c.slug])).status_code == HTTPStatus.OK


# --- create, edit, publish -----------------------------------------------------------------------------------------


def test_create_edit_and_publish_flow(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    assert client.get(reverse("engagement:manage_create")).status_code == HTTPStatus.OK
    response = client.post(reverse("engagement:manage_create"), _consultation_post(areas["a"][1]))
    assert response.status_code == HTTPStatus.FOUND
    c = Consultation.objects.get()
    assert c.slug == "next-steps-for-our-ics"
    assert c.system == areas["a"][1].system
    assert not c.is_published
    assert c.created_by == scoped_manager
    assert c.closes_at == deadlines.closing_datetime(__import__("datetime").date(2021, 1, 4))
    assert c.opens_at == deadlines.opening_datetime(__import__("datetime").date(2020, 12, 1))
    assert "<script>" not in c.body
    assert "<strong>bold</strong>" in c.body
    assert "<ul><li>one</li>" in c.body

    # Publishing without questions is refused with a message.
    client.post(reverse("engagement:manage_publish", args=[c.slug]), {"confirm": "yes"})
    c.refresh_from_db()
    assert not c.is_published
    page = client.get(reverse("engagement:manage_consultation", args=[c.slug])).content.decode()
    assert "Add at least one question before publishing" in page

    # Add a question, then publish.
    response = client.post(
        reverse("engagement:manage_question_add", args=[c.slug]),
        {"text": "Option 1 or option 2?", "kind": "single_choice", "choices": "Option 1\nOption 2", "required": "on"},
    )
    assert response.status_code == HTTPStatus.FOUND
    q = c.questions.get()
    assert (q.order, q.choices, q.required) == (1, ["Option 1", "Option 2"], True)
    client.post(reverse("engagement:manage_publish", args=[c.slug]), {"confirm": "yes"})
    c.refresh_from_db()
    assert c.is_published

    # Edit: the closing date moves; the slug stays.
    data = _consultation_post(areas["a"][2], title="Renamed", **_date("closes_on", 10, 1, 2021))
    response = client.post(reverse("engagement:manage_edit", args=[c.slug]), data)
    assert response.status_code == HTTPStatus.FOUND
    c.refresh_from_db()
    assert (c.title, c.slug, c.owner_area) == ("Renamed", "next-steps-for-our-ics", areas["a"][2])
    assert deadlines.london_date(c.closes_at).day == 10

    client.post(reverse("engagement:manage_unpublish", args=[c.slug]))
    c.refresh_from_db()
    assert not c.is_published


def test_invalid_dates_show_errors_and_change_nothing(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    data = _consultation_post(areas["a"][1], **_date("closes_on", 30, 11, 2020))
    response = client.post(reverse("engagement:manage_create"), data)
    body = response.content.decode()
    assert "The closing date must be the same as or after the opening date" in body
    assert "<title>Error: " in body
    data = _consultation_post(areas["a"][1], **{"closes_on-day": "31", "closes_on-month": "2"})
    assert "Enter a real closing date" in client.post(reverse("engagement:manage_create"), data).content.decode()
    # A month too big for a C long was an OverflowError, a 500 (found by tests/test_bad_input.py).
    data = _consultation_post(areas["a"][1], **{"closes_on-month": "9" * 30})
    assert "Enter a real closing date" in client.post(reverse("engagement:manage_create"), data).content.decode()
    assert not Consultation.objects.exists()


def test_each_bad_date_says_which_date_it_is_with_an_example_to_come(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    bad = {"opens_on-day": "31", "opens_on-month": "2", "closes_on-day": "31", "closes_on-month": "2"}
    bad |= {"onward_deadline-day": "32"}
    page = parse(
        client.post(reverse("engagement:manage_create"), _consultation_post(areas["a"][1], **bad)).content.decode()
    )
    summary = [a.text for a in page.one("div", class_="nhsuk-error-summary").find_all("a")]
    year = timezone.localdate().year + 1
    assert summary == [
        f"Enter a real opening date, for example 4 1 {year}",
        f"Enter a real closing date, for example 1 2 {year}",
        f"Enter a real onward deadline, for example 1 4 {year}",
    ]
    assert not Consultation.objects.exists()


def test_edit_page_shows_current_values(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1], title="Original title")
    client.force_login(scoped_manager)
    body = client.get(reverse("engagement:manage_edit", args=[c.slug])).content.decode()
    assert 'value="Original title"' in body


# --- questions and sections ------------------------------------------------------------------------------------------


def test_question_reorder_and_condition_rules(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1])
    q1 = QuestionFactory(consultation=c, order=1, kind="yes_no", text="Do you agree?")
    q2 = QuestionFactory(consultation=c, order=2, text="Why?")
    client.force_login(scoped_manager)
    # Make q2 conditional on q1 being "Yes" (a label is accepted and stored as the value).
    response = client.post(
        reverse("engagement:manage_question_edit", args=[c.slug, q2.pk]),
        {"text": "Why?", "kind": "long_text", "show_if_question": str(q1.pk), "show_if_value": "Yes"},
    )
    assert response.status_code == HTTPStatus.FOUND
    q2.refresh_from_db()
    assert (q2.show_if_question, q2.show_if_value) == (q1, "yes")
    # Moving the dependent question above its condition is refused; nothing changes.
    url = reverse("engagement:manage_questions_reorder", args=[c.slug])
    client.post(url, {f"order_{q1.pk}": "2", f"order_{q2.pk}": "1"})
    q1.refresh_from_db()
    q2.refresh_from_db()
    assert (q1.order, q2.order) == (1, 2)
    # A number left out is refused as a problem, not shown as information.
    page = client.post(url, {f"order_{q1.pk}": "", f"order_{q2.pk}": "1"}, follow=True).content.decode()
    problems = [p.split("</div>\n  </div>")[0] for p in page.split('class="nhsuk-error-summary"')[1:]]
    assert any("Enter an order number of 1 to 999 for each item. Nothing was changed." in p for p in problems)
    assert all("There is a problem" in p for p in problems)
    # An unconditional reorder works and renumbers 1, 2, 3.
    q3 = QuestionFactory(consultation=c, order=7, text="Anything else?")
    client.post(url, {f"order_{q1.pk}": "5", f"order_{q2.pk}": "6", f"order_{q3.pk}": "1"})
    assert list(c.questions.order_by("order").values_list("pk", "order")) == [(q3.pk, 1), (q1.pk, 2), (q2.pk, 3)]
    # A bad condition value is explained.
    response = client.post(
        reverse("engagement:manage_question_edit", args=[c.slug, q2.pk]),
        {"text": "Why?", "kind": "long_text", "show_if_question": str(q1.pk), "show_if_value": "Maybe"},
    )
    assert "Choose one of the answers to “Do you agree?”" in response.content.decode()


def test_choice_question_needs_two_options(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1])
    client.force_login(scoped_manager)
    response = client.post(
        reverse("engagement:manage_question_add", args=[c.slug]),
        {"text": "Pick", "kind": "single_choice", "choices": "Only"},
    )
    assert "Enter at least 2 options" in response.content.decode()
    assert not c.questions.exists()


def test_sections_add_and_delete_refused_while_holding_questions(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1])
    client.force_login(scoped_manager)
    client.post(reverse("engagement:manage_section_add", args=[c.slug]), {"title": "Your views"})
    section = c.sections.get()
    QuestionFactory(consultation=c, section=section)
    response = client.post(reverse("engagement:manage_section_delete", args=[c.slug, section.pk]))
    assert "still has questions" in response.content.decode()
    assert c.sections.exists()
    empty = SectionFactory(consultation=c, order=5)
    assert client.post(reverse("engagement:manage_section_delete", args=[c.slug, empty.pk])).status_code == 302
    assert not c.sections.filter(pk=empty.pk).exists()


# --- orphan refusal --------------------------------------------------------------------------------------------------


def test_changes_that_would_orphan_answers_are_refused(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1])
    q = QuestionFactory(consultation=c, single_choice=True, text="Which option?")
    _answer(q, "Option 1")
    client.force_login(scoped_manager)
    edit = reverse("engagement:manage_question_edit", args=[c.slug, q.pk])

    # Delete: refused with an explanation; the question stays.
    response = client.post(reverse("engagement:manage_question_delete", args=[c.slug, q.pk]))
    assert "already answered this question, so it cannot be deleted" in response.content.decode()
    assert Question.objects.filter(pk=q.pk).exists()

    # Change of kind: refused.
    response = client.post(edit, {"text": "Which option?", "kind": "multiple_choice", "choices": "Option 1\nOption 2"})
    assert "its type cannot change" in response.content.decode()
    # Removing a used option: refused; removing an unused one is fine.
    response = client.post(edit, {"text": "Which option?", "kind": "single_choice", "choices": "Option 2\nOption 3"})
    assert "People have already chosen “Option 1”" in response.content.decode()
    q.refresh_from_db()
    assert (q.kind, q.choices) == ("single_choice", ["Option 1", "Option 2"])
    response = client.post(edit, {"text": "Which one?", "kind": "single_choice", "choices": "Option 1\nOption 3"})
    assert response.status_code == HTTPStatus.FOUND
    q.refresh_from_db()
    assert (q.text, q.choices) == ("Which one?", ["Option 1", "Option 3"])


def test_question_without_answers_can_be_deleted(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1])
    q = QuestionFactory(consultation=c)
    client.force_login(scoped_manager)
    assert client.post(reverse("engagement:manage_question_delete", args=[c.slug, q.pk])).status_code == 302
    assert not Question.objects.filter(pk=q.pk).exists()


# --- documents -----------------------------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})


@pytest.mark.parametrize(
    ("name", "content", "file_type"),
    [("plan.pdf", b"%PDF-1.7\n%...\n", "pdf"), ("plan.docx", DOCX, "docx"), ("plan.odt", ODT, "odt")],
)
def test_document_upload_accepts_real_documents(
    client, areas, scoped_manager, settings, tmp_path, name, content, file_type
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    c = ConsultationFactory(owner_area=areas["a"][1])
    client.force_login(scoped_manager)
    response = client.post(
        reverse("engagement:manage_document_add", args=[c.slug]),
        {"title": "Draft plan", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == HTTPStatus.FOUND
    document = Document.objects.get()
    assert (document.file_type, document.size) == (file_type, len(content))
    page = client.get(reverse("engagement:consultation_detail", args=[c.slug])).content.decode()
    assert "Draft plan" in page
    assert file_type.upper() in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.exe", b"MZ....", "must be a PDF, DOCX or ODT"),
        ("fake.pdf", b"<html>not a pdf</html>", "not a PDF document"),
        ("fake.docx", b"%PDF-1.7 renamed", "not a Word (DOCX) document"),
        ("zip.docx", _zip({"hello.txt": b"hi"}), "not a Word (DOCX) document"),
        ("wrong.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "not a OpenDocument"),
        ("broken.odt", b"PK\x03\x04garbage", "not a OpenDocument"),
    ],
)
def test_document_upload_refuses_wrong_types(
    client, areas, scoped_manager, settings, tmp_path, name, content, message
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    c = ConsultationFactory(owner_area=areas["a"][1])
    client.force_login(scoped_manager)
    response = client.post(
        reverse("engagement:manage_document_add", args=[c.slug]),
        {"title": "Doc", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    assert not Document.objects.exists()


def test_document_upload_refuses_large_files(client, areas, scoped_manager, settings, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(Document, "MAX_SIZE", 100)
    c = ConsultationFactory(owner_area=areas["a"][1])
    client.force_login(scoped_manager)
    response = client.post(
        reverse("engagement:manage_document_add", args=[c.slug]),
        {"title": "Big", "file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 200)},
    )
    assert "The file must be smaller than" in response.content.decode()
    assert not Document.objects.exists()


def test_preview_shows_draft_and_questions(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1], draft=True, title="Secret draft")
    QuestionFactory(consultation=c, text="What matters most to you?")
    client.force_login(scoped_manager)
    body = client.get(reverse("engagement:manage_preview", args=[c.slug])).content.decode()
    assert "Secret draft" in body
    assert "What matters most to you?" in body
    assert "This is a draft" in body


def test_functions_can_be_linked_only_within_the_system(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from engagement.services.consultations import consultation_update
    from functions.models import Function

    mine = Function.objects.create(system=areas["a"][0].system, title="Borough estates", owner=areas["a"][1].level)
    theirs = Function.objects.create(system=areas["b"][0].system, title="Other system", owner=areas["b"][0].level)
    c = ConsultationFactory(owner_area=areas["a"][1], closed=True)  # the form's dates are past: nothing to confirm
    client.force_login(scoped_manager)
    page = client.get(reverse("engagement:manage_edit", args=[c.slug])).content.decode()
    assert "Borough estates" in page
    assert "Other system" not in page
    data = _consultation_post(areas["a"][1], functions=[str(mine.pk)])
    assert client.post(reverse("engagement:manage_edit", args=[c.slug]), data).status_code == HTTPStatus.FOUND
    assert list(c.functions.all()) == [mine]
    with pytest.raises(ValidationError):
        consultation_update(consultation=c, by=scoped_manager, data={"functions": [theirs]}, now=timezone.now())
    assert list(c.functions.all()) == [mine]


# --- closing early, and the counts managers see -----------------------------------------------------------------


def _responses(consultation: Consultation, *, sent: int = 0, drafts: int = 0, held: int = 0) -> None:
    from tests.engagement.factories import ResponseFactory

    now = timezone.now()
    ResponseFactory.create_batch(sent, consultation=consultation, state="submitted", submitted_at=now)
    ResponseFactory.create_batch(drafts, consultation=consultation)
    ResponseFactory.create_batch(
        held, consultation=consultation, state="submitted", submitted_at=now, suspected_automated=True, suspected_at=now
    )


def _hidden_fields(body: str) -> list[tuple[str, str]]:
    import html
    import re

    return [(n, html.unescape(v)) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body)]


def test_moving_the_closing_date_into_the_past_asks_first(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]

    c = ConsultationFactory(owner_area=areas["a"][1], title="Still open")
    closes_at = c.closes_at
    _responses(c, sent=3, drafts=12, held=1)
    client.force_login(scoped_manager)
    yesterday = deadlines.london_date(timezone.now()) - datetime.timedelta(days=1)
    data = _consultation_post(
        areas["a"][1], title="Renamed & <closed>", **_date("closes_on", yesterday.day, yesterday.month, yesterday.year)
    )
    edit = reverse("engagement:manage_edit", args=[c.slug])
    page = client.post(edit, data)
    body = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert (
        "12 residents have started a response but not sent it. If you close now they will not be able to send it."
        in body
    )
    c.refresh_from_db()
    assert (c.title, c.closes_at) == ("Still open", closes_at), "nothing changes without the confirmation"

    hidden = [(n, v) for n, v in _hidden_fields(body) if n != "csrfmiddlewaretoken"]
    assert ("title", "Renamed & <closed>") in hidden, "what the manager typed is carried, escaped"
    # "No, change the dates": the form again as typed, nothing saved.
    back = client.post(edit, {**dict(hidden), "action": "back"}).content.decode()
    assert 'value="Renamed &amp; &lt;closed&gt;"' in back
    assert "Edit consultation details" in back
    c.refresh_from_db()
    assert c.title == "Still open"
    # Confirmed: saved and closed.
    r = client.post(edit, {**dict(hidden), "confirm_closing": "yes"})
    assert r.status_code == HTTPStatus.FOUND
    c.refresh_from_db()
    assert c.title == "Renamed & <closed>"
    assert deadlines.london_date(c.closes_at) == yesterday
    assert not c.accepts_responses_at(now=timezone.now())


def test_one_draft_is_told_in_the_singular_and_none_is_said(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    one = ConsultationFactory(owner_area=areas["a"][1])
    _responses(one, drafts=1, sent=2)
    none = ConsultationFactory(owner_area=areas["a"][1])
    client.force_login(scoped_manager)
    body = client.post(reverse("engagement:manage_close", args=[one.slug])).content.decode()
    assert "1 resident has started a response but not sent it." in body
    body = client.post(reverse("engagement:manage_close", args=[none.slug])).content.decode()
    assert "No one has a response in progress." in body


def test_close_now_button_asks_then_closes(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1], late_grace=datetime.timedelta(hours=24))
    closes_at = c.closes_at
    _responses(c, drafts=5)
    client.force_login(scoped_manager)
    overview = reverse("engagement:manage_consultation", args=[c.slug])
    close = reverse("engagement:manage_close", args=[c.slug])
    assert f'action="{close}"' in client.get(overview).content.decode()
    assert client.get(close).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    body = client.post(close).content.decode()
    assert "Close this consultation now?" in body
    assert "5 residents have started a response but not sent it." in body
    assert 'name="confirm_closing" value="yes"' in body
    c.refresh_from_db()
    assert c.closes_at == closes_at
    r = client.post(close, {"confirm_closing": "yes"})
    assert r.status_code == HTTPStatus.FOUND
    c.refresh_from_db()
    assert c.closes_at <= timezone.now()
    assert c.late_grace is None
    after = client.get(overview).content.decode()
    assert "Consultation closed: it no longer takes responses." in after
    assert f'action="{close}"' not in after, "no button once closed"
    again = client.post(close, {"confirm_closing": "yes"}, follow=True).content.decode()
    assert "not taking responses, so there is nothing to close" in again


def test_close_now_by_a_manager_of_another_area_is_404(client, areas, other_manager, staff_user) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1])
    closes_at = c.closes_at
    client.force_login(other_manager)
    assert client.post(reverse("engagement:manage_close", args=[c.slug]), {"confirm_closing": "yes"}).status_code == 404
    client.force_login(staff_user)
    assert client.post(reverse("engagement:manage_close", args=[c.slug]), {"confirm_closing": "yes"}).status_code == 403
    c.refresh_from_db()
    assert c.closes_at == closes_at


def test_counts_show_sent_responses_with_drafts_apart(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]

    c = ConsultationFactory(owner_area=areas["a"][1], title="Counted one")
    QuestionFactory.create_batch(2, consultation=c)
    _responses(c, sent=3, drafts=7, held=2)
    client.force_login(scoped_manager)
    body = client.get(reverse("engagement:manage_list")).content.decode()
    (cells,) = [r for r in table_rows(parse(body).one("table")) if r[0] == "Counted one"]
    cells[-2] = cells[-2].replace(" )", ")")  # tests/html.py puts a space between an element's parts
    assert cells[-3:] == ["2", "3 (2 held as suspected automated)", "7"]
    assert "Sent responses" in body
    assert "Responses being written" in body
    assert "Drafts in progress" not in body  # "draft" is also a consultation not yet published
    page = client.get(reverse("engagement:manage_consultation", args=[c.slug])).content.decode()
    assert "3 sent responses · 7 responses being written" in page
    assert "drafts in progress" not in page
    assert "2 sent responses are held as suspected automated" in page


def test_admin_list_shows_the_same_counts(admin_client) -> None:  # type: ignore[no-untyped-def]
    import re

    c = ConsultationFactory(title="Admin counted")
    _responses(c, sent=4, drafts=1, held=1)
    body = admin_client.get(reverse("admin:engagement_consultation_changelist")).content.decode()
    row = re.search(r"Admin counted</a>.*?</tr>", body, re.S)
    assert row
    numbers = re.findall(r'<td class="field-(sent|drafts|held)">(\d+)</td>', row.group(0))
    assert numbers == [("sent", "4"), ("drafts", "1"), ("held", "1")]


def test_the_list_counts_in_one_query_however_many_consultations(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(scoped_manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("engagement:manage_list")).status_code == HTTPStatus.OK
        return len(captured)

    _responses(ConsultationFactory(owner_area=areas["a"][1]), sent=2, drafts=1)
    one = queries()
    for _ in range(4):
        _responses(ConsultationFactory(owner_area=areas["a"][2]), sent=1, drafts=2, held=1)
    assert queries() == one


def test_managers_set_the_reminder_offsets_and_a_bad_one_changes_nothing(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1], draft=True)
    client.force_login(scoped_manager)
    assert 'value="7, 1"' in client.get(reverse("engagement:manage_edit", args=[c.slug])).content.decode()
    url = reverse("engagement:manage_edit", args=[c.slug])
    response = client.post(url, _consultation_post(areas["a"][1], reminder_offsets="seven, 0"))
    assert "Enter whole numbers of days from 1 to 90" in response.content.decode()
    assert 'value="seven, 0"' in response.content.decode()
    c.refresh_from_db()
    assert c.reminder_offsets == [7, 1]
    response = client.post(url, _consultation_post(areas["a"][1], reminder_offsets="2, 14 ,2"))
    assert response.status_code == HTTPStatus.FOUND
    c.refresh_from_db()
    assert c.reminder_offsets == [14, 2]


def test_managers_set_the_retention_period_and_a_bad_one_changes_nothing(  # type: ignore[no-untyped-def]
    client, areas, scoped_manager, other_manager
) -> None:
    c = ConsultationFactory(owner_area=areas["a"][1], draft=True)
    url = reverse("engagement:manage_edit", args=[c.slug])
    client.force_login(other_manager)
    assert client.post(url, _consultation_post(areas["a"][1], retention_months="6")).status_code == HTTPStatus.NOT_FOUND
    client.force_login(scoped_manager)
    assert 'value="24"' in client.get(url).content.decode()
    for bad, message in (("0", "at least 1 month"), ("121", "120 months (10 years) or fewer"), ("two", "whole")):
        response = client.post(url, _consultation_post(areas["a"][1], retention_months=bad))
        assert message in response.content.decode()
        c.refresh_from_db()
        assert c.retention_months == 24
    response = client.post(url, _consultation_post(areas["a"][1], retention_months="36"))
    assert response.status_code == HTTPStatus.FOUND
    c.refresh_from_db()
    assert c.retention_months == 36


# --- the overview once closed, the questions table, the question form's numbers ------------------------------------


def _invite_csv() -> SimpleUploadedFile:
    return SimpleUploadedFile("invite.csv", b"name,email\nAda Lovelace,ada@example.org\n", content_type="text/csv")


def test_closed_offers_and_takes_no_new_questions_or_invitees(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1], closed=True)
    QuestionFactory(consultation=c, order=1)
    client.force_login(scoped_manager)
    page = client.get(reverse("engagement:manage_consultation", args=[c.slug])).content.decode()
    assert reverse("engagement:manage_question_add", args=[c.slug]) not in page
    assert "Upload an invite list" not in page
    assert "It has closed, so no questions can be added." in page
    assert "It has closed, so no one can be added to the invite list." in page
    headings = [h.text for h in parse(page).find_all("h2")]
    assert 'Outcome ("you said, we did")' in headings
    # What the page no longer offers, the services refuse: nothing is added.
    client.post(reverse("engagement:manage_question_add", args=[c.slug]), {"text": "Late idea?", "kind": "long_text"})
    assert c.questions.count() == 1
    invitees_url = reverse("engagement:manage_invitees", args=[c.slug])
    assert "Upload invite list" not in client.get(invitees_url).content.decode()
    refused = client.post(invitees_url, {"file": _invite_csv()}).content.decode()
    assert "It has closed, so no one can be added to the invite list." in refused
    assert "ada@example.org" not in refused


def test_open_offers_questions_and_invitees_not_the_outcome(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1])
    client.force_login(scoped_manager)
    page = client.get(reverse("engagement:manage_consultation", args=[c.slug])).content.decode()
    assert reverse("engagement:manage_question_add", args=[c.slug]) in page
    assert "Upload an invite list" in page
    assert "It has closed" not in page
    assert "you said, we did" not in page
    client.post(reverse("engagement:manage_invitees", args=[c.slug]), {"file": _invite_csv()})
    client.post(reverse("engagement:manage_question_add", args=[c.slug]), {"text": "New?", "kind": "long_text"})
    assert c.questions.count() == 1
    assert "ada@example.org" in client.get(reverse("engagement:manage_invitees", args=[c.slug])).content.decode()


def test_questions_table_is_responsive_with_condition_labels(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    c = ConsultationFactory(owner_area=areas["a"][1])
    q1 = QuestionFactory(consultation=c, order=1, kind="yes_no", text="Do you agree?", required=True)
    QuestionFactory(consultation=c, order=2, text="Why?", show_if_question=q1, show_if_value="yes")
    client.force_login(scoped_manager)
    page = parse(client.get(reverse("engagement:manage_consultation", args=[c.slug])).content.decode())
    table = page.one("table", class_="nhsuk-table--responsive")
    rows = table_rows(table)
    assert rows[0][1].split() == ["Do", "you", "agree?", "(required)"]
    assert "Shown only if “Do you agree?” is answered “Yes”" in rows[1][1]
    assert [r[2] for r in rows] == ["Yes or no", "Long text"]
    # "(required)" stays on the question's line: not in a block of its own.
    required = next(s for s in table.find_all("span") if s.text.strip() == "(required)")
    assert "nhsuk-body-s" not in required.attrs.get("class", "")
    # Each cell is labelled for phones, the order box included.
    headings = [s.text.strip() for s in table.find_all("span", class_="nhsuk-table__heading")]
    assert headings[:4] == ["Order", "Question", "Type", "Actions"]
    assert table.find_all("input", name=f"order_{q1.pk}")


@pytest.mark.parametrize(
    ("field", "kind", "value", "message"),
    [
        ("max_length", "long_text", "0", "The maximum length must be between 1 and 10,000 characters"),
        ("max_length", "short_text", "-5", "The maximum length must be between 1 and 10,000 characters"),
        ("max_length", "long_text", "100001", "The maximum length must be between 1 and 10,000 characters"),
        ("max_choices", "multiple_choice", "0", "The most options a person may tick must be between 1 and 30"),
        ("max_choices", "multiple_choice", "40000", "The most options a person may tick must be between 1 and 30"),
    ],
)
def test_nonsense_numbers_on_a_question_are_refused_with_a_clear_message(  # type: ignore[no-untyped-def]
    client, areas, scoped_manager, field, kind, value, message
) -> None:
    c = ConsultationFactory(owner_area=areas["a"][1])
    client.force_login(scoped_manager)
    page = client.post(
        reverse("engagement:manage_question_add", args=[c.slug]),
        {"text": "How?", "kind": kind, "choices": "One\nTwo", field: value},
    ).content.decode()
    assert message in page
    assert not c.questions.exists()


def test_the_database_refuses_a_maximum_length_of_0_or_a_most_ticked_of_0(areas) -> None:  # type: ignore[no-untyped-def]
    from django.db import IntegrityError, transaction

    c = ConsultationFactory(owner_area=areas["a"][1])
    for fields in ({"max_length": 0}, {"max_length": 10_001}, {"max_choices": 0}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Question.objects.create(consultation=c, order=1, kind="long_text", text="Why?", **fields)


def test_the_opening_date_hint_reads_like_the_closing_one(client, areas, scoped_manager) -> None:  # type: ignore[no-untyped-def]
    client.force_login(scoped_manager)
    page = client.get(reverse("engagement:manage_create")).content.decode()
    assert "It opens at the start of this day, London time." in page
    assert "00:00" not in page
