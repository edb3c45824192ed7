"""Writes for consultation authoring: create, edit, close early, sections, questions, documents, publish (the outcome: the outcomes app).

Every function is keyword-only, typed and atomic, and raises django.core.exceptions.ValidationError with a
plain-English message when a change is not allowed; nothing is changed in that case. Once responses exist, a
change that would orphan answers (deleting a question that has answers, changing its kind, removing a choice
that answers use) is refused here; Answer.question's on_delete=PROTECT backs the first case in the database.
"""

import copy
import datetime
import lzma
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from functions.models import Function
from governance.models import Area, Organisation
from notifications import services as notification_services
from notifications.invites import InviteRow
from notifications.models import Invitee
from notifications.openings import opening_plan
from notifications.staff_emails import closing_queue

from ..formatting import to_safe_html
from ..models import (
    DEFAULT_RETENTION_MONTHS,
    QUESTION_MAX_CHOICES,
    QUESTION_MAX_LENGTH,
    Answer,
    Consultation,
    Document,
    Question,
    Response,
    Section,
    default_reminder_offsets,
)
from ..questions import (
    CHOICE_KINDS,
    CONDITION_KINDS,
    OTHER,
    TEXT_KINDS,
    answer_parts,
    condition_value,
    condition_values,
)
from ..selectors.consultations import organisations_for

CHOICE_MAX_LENGTH = 200
CLOSED_NO_QUESTIONS = "It has closed, so no questions can be added."
CLOSED_NO_INVITES = "It has closed, so no one can be added to the invite list."
MAX_LENGTH_RANGE = f"The maximum length must be between 1 and {QUESTION_MAX_LENGTH:,} characters"
MAX_CHOICES_RANGE = "The most options a person may tick must be between 1 and {options}"
QUESTION_FIELDS = (
    "kind", "text", "hint", "required", "max_length", "choices", "allow_other", "max_choices", "section",
    "show_if_question", "show_if_value",
)  # fmt: skip


# --- Consultations ---------------------------------------------------------------------------------------------


RESERVED_SLUGS = {"feed", "my-responses", "new"}


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = (slugify(title)[:100] or "consultation").strip("-")
    slug, n = base, 2
    others = Consultation.objects.all() if exclude_pk is None else Consultation.objects.exclude(pk=exclude_pk)
    while slug in RESERVED_SLUGS or others.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _check_dates(opens_at: datetime.datetime, closes_at: datetime.datetime) -> None:
    if closes_at <= opens_at:
        raise ValidationError({"closes_on": "The closing date must be the same as or after the opening date."})


def _check_areas(*, owner_area: Area, target_areas: Iterable[Area], functions: Iterable[Function] = ()) -> None:
    for area in target_areas:
        if area.system_id != owner_area.system_id:
            raise ValidationError(
                {"target_areas": f"{area} is in another system: choose areas of {owner_area.system}."}
            )
    for function in functions:
        if function.system_id != owner_area.system_id:
            raise ValidationError(
                {"functions": f"“{function}” is a function of another system: choose functions of {owner_area.system}."}
            )


@transaction.atomic
def consultation_create(
    *,
    by: Any,
    owner_area: Area,
    title: str,
    summary: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    body: str = "",
    contact_email: str = "",
    lead_organisation: Organisation | None = None,
    target_areas: Iterable[Area] = (),
    functions: Iterable[Function] = (),
    onward_deadline: datetime.date | None = None,
    onward_deadline_text: str = "",
    late_grace: datetime.timedelta | None = None,
    reminder_offsets: list[int] | None = None,
    retention_months: int = DEFAULT_RETENTION_MONTHS,
    slug: str = "",
) -> Consultation:
    """A new draft consultation, owned by `owner_area` in that area's system."""
    target_areas = list(target_areas)
    functions = list(functions)
    _check_dates(opens_at, closes_at)
    _check_areas(owner_area=owner_area, target_areas=target_areas, functions=functions)
    consultation = Consultation(
        system_id=owner_area.system_id,
        owner_area=owner_area,
        lead_organisation=lead_organisation,
        title=title.strip(),
        slug=slug or _unique_slug(title),
        summary=summary.strip(),
        body=to_safe_html(body),
        contact_email=contact_email,
        opens_at=opens_at,
        closes_at=closes_at,
        onward_deadline=onward_deadline,
        onward_deadline_text=onward_deadline_text.strip(),
        late_grace=late_grace,
        reminder_offsets=default_reminder_offsets() if reminder_offsets is None else reminder_offsets,
        retention_months=retention_months,
        is_published=False,
        created_by=by if getattr(by, "pk", None) else None,
    )
    consultation.full_clean()
    consultation.save()
    consultation.target_areas.set(target_areas)
    consultation.functions.set(functions)
    return consultation


EDITABLE_FIELDS = (
    "title", "summary", "body", "contact_email", "lead_organisation", "owner_area", "opens_at", "closes_at",
    "onward_deadline", "onward_deadline_text", "late_grace", "reminder_offsets",
    "retention_months",
)  # fmt: skip


class ClosingNeedsConfirmation(Exception):  # noqa: N818  (a question to the manager, not an error)
    """The change would stop a consultation taking responses now: nothing was changed. The manager must be told
    how many residents have a draft in progress (`drafts`) and confirm."""

    def __init__(self, *, drafts: int) -> None:
        super().__init__(f"{drafts} drafts in progress")
        self.drafts = drafts


def drafts_in_progress(*, consultation: Consultation) -> int:
    return Response.objects.filter(consultation=consultation).in_progress().count()


def _check_closing(
    consultation: Consultation, *, accepted_before: bool, now: datetime.datetime, confirmed: bool
) -> None:
    if accepted_before and not consultation.accepts_responses_at(now=now) and not confirmed:
        raise ClosingNeedsConfirmation(drafts=drafts_in_progress(consultation=consultation))


@transaction.atomic
def consultation_update(
    *,
    consultation: Consultation,
    by: Any,
    data: Mapping[str, Any],
    now: datetime.datetime,
    confirm_closing: bool = False,
) -> Consultation:
    """Change the fields in `data` (a subset of EDITABLE_FIELDS, plus `target_areas` and `functions`).

    The slug never changes once set, so links already shared keep working. A change that stops a consultation
    taking responses at `now` (its closing date moved into the past) raises ClosingNeedsConfirmation unless
    `confirm_closing`.
    """
    unknown = set(data) - set(EDITABLE_FIELDS) - {"target_areas", "functions"}
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    consultation = Consultation.objects.select_for_update().select_related("owner_area").get(pk=consultation.pk)
    accepted_before = consultation.accepts_responses_at(now=now)
    for name in EDITABLE_FIELDS:
        if name in data:
            value = data[name]
            if name == "body":
                value = to_safe_html(value or "")
            elif isinstance(value, str):
                value = value.strip()
            setattr(consultation, name, value)
    if consultation.owner_area.system_id != consultation.system_id:
        raise ValidationError({"owner_area": "The owning area must be in the consultation's system."})
    _check_dates(consultation.opens_at, consultation.closes_at)
    _check_closing(consultation, accepted_before=accepted_before, now=now, confirmed=confirm_closing)
    target_areas = list(data.get("target_areas", consultation.target_areas.all()))
    functions = list(data.get("functions", consultation.functions.all()))
    _check_areas(owner_area=consultation.owner_area, target_areas=target_areas, functions=functions)
    consultation.full_clean(exclude=["slug"])
    consultation.save()
    if accepted_before and not consultation.accepts_responses_at(now=now):  # closed early, confirmed
        closing_queue(consultation=consultation)
    if "target_areas" in data:
        consultation.target_areas.set(target_areas)
    if "functions" in data:
        consultation.functions.set(functions)
    return consultation


@transaction.atomic
def consultation_close(*, consultation: Consultation, by: Any, now: datetime.datetime, confirmed: bool) -> Consultation:
    """Stop taking responses now: the closing time becomes `now` and no late period is left, so drafts in
    progress can no longer be sent. Unless `confirmed`, raises ClosingNeedsConfirmation and changes nothing."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not consultation.accepts_responses_at(now=now) or now <= consultation.opens_at:
        raise ValidationError("This consultation is not taking responses, so there is nothing to close.")
    if not confirmed:
        raise ClosingNeedsConfirmation(drafts=drafts_in_progress(consultation=consultation))
    consultation.closes_at = min(consultation.closes_at, now)
    consultation.late_grace = None
    consultation.save(update_fields=["closes_at", "late_grace", "updated_at"])
    closing_queue(consultation=consultation)
    return consultation


@transaction.atomic
def consultation_publish(*, consultation: Consultation, by: Any, now: datetime.datetime | None = None) -> Consultation:
    """Make a draft public. It needs at least one question; it opens and closes by its dates. If it is open at
    once, its opening emails are queued now (else beat's planner queues them when `opens_at` comes)."""
    if consultation.is_published:
        return consultation
    if not consultation.questions.exists():
        raise ValidationError("Add at least one question before publishing the consultation.")
    consultation.is_published = True
    consultation.save(update_fields=["is_published", "updated_at"])
    opening_plan(consultation=consultation, now=now or timezone.now(), published_now=True, counts=False)
    return consultation


@transaction.atomic
def consultation_unpublish(*, consultation: Consultation, by: Any) -> Consultation:
    """Hide a consultation again. Responses already received are kept."""
    if consultation.outcome_published_at:
        raise ValidationError("The outcome has been published: withdraw the outcome before unpublishing.")
    consultation.is_published = False
    consultation.save(update_fields=["is_published", "updated_at"])
    return consultation


@transaction.atomic
def consultation_delete(*, consultation: Consultation, by: Any) -> None:
    """Only a draft without responses may be deleted."""
    if consultation.is_published or consultation.responses.exists():
        raise ValidationError("Only a draft with no responses can be deleted. Unpublish it instead.")
    consultation.questions.update(show_if_question=None)
    Invitee.objects.invited_to(consultation).delete()  # a generic target: no cascade would reach them
    consultation.delete()


# --- Sections ----------------------------------------------------------------------------------------------------


def _next_order(qs: Any) -> int:
    return int(qs.aggregate(m=Max("order"))["m"] or 0) + 1


@transaction.atomic
def section_create(*, consultation: Consultation, title: str, intro: str = "") -> Section:
    return Section.objects.create(
        consultation=consultation,
        title=title.strip(),
        intro=intro.strip(),
        order=_next_order(Section.objects.filter(consultation=consultation)),
    )


@transaction.atomic
def section_update(*, section: Section, title: str, intro: str = "") -> Section:
    section.title = title.strip()
    section.intro = intro.strip()
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def section_delete(*, section: Section) -> None:
    """Refused while it still holds questions, so deleting a page never deletes questions by surprise."""
    if section.questions.exists():
        raise ValidationError("This section still has questions. Move them to another section or delete them first.")
    section.delete()


@transaction.atomic
def sections_reorder(*, consultation: Consultation, order: Mapping[int, int]) -> None:
    """Put sections in the order of the numbers given (by section id); ties keep the current order."""
    _reorder(Section.objects.filter(consultation=consultation), order)


# --- Questions ---------------------------------------------------------------------------------------------------


def _clean_choices(choices: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in choices:
        choice = str(raw).strip()
        if not choice:
            continue
        if len(choice) > CHOICE_MAX_LENGTH:
            raise ValidationError({"choices": f"Each option must be {CHOICE_MAX_LENGTH} characters or fewer."})
        if choice.casefold() in seen:
            raise ValidationError({"choices": f"The option “{choice}” appears twice."})
        seen.add(choice.casefold())
        cleaned.append(choice)
    if len(cleaned) > QUESTION_MAX_CHOICES:
        raise ValidationError({"choices": f"A question can have at most {QUESTION_MAX_CHOICES} options."})
    return cleaned


def _normalise_condition_value(parent: Question, value: str) -> str:
    stored = condition_value(parent, value)
    if stored is None:
        options = ", ".join(f"“{label}”" for label in condition_values(parent).values())
        raise ValidationError({"show_if_value": f"Choose one of the answers to “{parent.text}”: {options}."})
    return stored


def _validate_question(question: Question) -> None:
    """Make the question's settings consistent with its kind, or say what is wrong."""
    kind = question.kind
    if kind not in Question.Kind.values:
        raise ValidationError({"kind": "Choose a type of question."})
    if kind in CHOICE_KINDS:
        question.choices = _clean_choices(question.choices or [])
        if len(question.choices) < 2:
            raise ValidationError({"choices": "Enter at least 2 options, one on each line."})
    else:
        question.choices = []
        question.allow_other = False
    if kind == Question.Kind.MULTIPLE_CHOICE:
        options = len(question.choices) + (1 if question.allow_other else 0)
        if question.max_choices is not None and not 1 <= question.max_choices <= options:
            raise ValidationError({"max_choices": MAX_CHOICES_RANGE.format(options=options)})
    else:
        question.max_choices = None
    if kind not in TEXT_KINDS:
        question.max_length = None
    elif question.max_length is not None and not 1 <= question.max_length <= QUESTION_MAX_LENGTH:
        raise ValidationError({"max_length": MAX_LENGTH_RANGE})
    if question.section is not None and question.section.consultation_id != question.consultation_id:
        raise ValidationError({"section": "Choose a section of this consultation."})
    parent = question.show_if_question
    if parent is None:
        question.show_if_value = ""
    else:
        if parent.consultation_id != question.consultation_id or (question.pk and parent.pk == question.pk):
            raise ValidationError({"show_if_question": "Choose an earlier question of this consultation."})
        if parent.kind not in CONDITION_KINDS:
            raise ValidationError(
                {"show_if_question": "A question can depend only on a choice, yes/no or agree/disagree question."}
            )
        if parent.order >= question.order:
            raise ValidationError({"show_if_question": "A question can depend only on an earlier question."})
        question.show_if_value = _normalise_condition_value(parent, question.show_if_value or "")


def _answered_values(question: Question) -> set[str]:
    """Every value stored answers to `question` use (each choice of a multiple choice)."""
    rows = Answer.objects.filter(question=question).values_list("value", flat=True).iterator()
    return {part for value in rows for part in answer_parts(value)}


def _refuse_orphaning(before: Question, after: Question) -> None:
    """Refuse a change that would leave stored answers pointing at something that no longer exists."""
    if not Answer.objects.filter(question=before).exists():
        return
    if after.kind != before.kind:
        raise ValidationError(
            {"kind": "People have already answered this question, so its type cannot change. "
             "Add a new question instead."}
        )  # fmt: skip
    if before.kind in CHOICE_KINDS:
        kept = set(condition_values(after))
        used = _answered_values(before)
        lost = sorted(used - kept)
        if lost:
            named = ", ".join("“Other”" if v == OTHER else f"“{v}”" for v in lost)
            raise ValidationError(
                {"choices": f"People have already chosen {named}, so it cannot be removed or renamed. "
                 "You can add options or change the others."}
            )  # fmt: skip


def _check_dependents(question: Question) -> None:
    for dependent in question.dependents.all():
        if question.kind not in CONDITION_KINDS:
            raise ValidationError(
                {"kind": f"“{dependent.text}” depends on this question, so it must stay a question with set answers."}
            )
        if dependent.show_if_value not in condition_values(question):
            raise ValidationError(
                {"choices": f"“{dependent.text}” is shown only after the answer “{dependent.show_if_value}”: "
                 "keep that option or change that question first."}
            )  # fmt: skip
        if dependent.order <= question.order:
            raise ValidationError({"show_if_question": "A question must come before the questions that depend on it."})


@transaction.atomic
def question_create(
    *,
    consultation: Consultation,
    kind: str,
    text: str,
    hint: str = "",
    required: bool = False,
    max_length: int | None = None,
    choices: Iterable[str] = (),
    allow_other: bool = False,
    max_choices: int | None = None,
    section: Section | None = None,
    show_if_question: Question | None = None,
    show_if_value: str = "",
    now: datetime.datetime | None = None,
) -> Question:
    """A new question, added after the last one; refused once the consultation is over (no one could answer it)."""
    if consultation.is_over_at(now=now or timezone.now()):
        raise ValidationError(CLOSED_NO_QUESTIONS)
    question = Question(
        consultation=consultation,
        order=_next_order(Question.objects.select_for_update().filter(consultation=consultation)),
        kind=kind,
        text=text.strip(),
        hint=hint.strip(),
        required=required,
        max_length=max_length,
        choices=list(choices),
        allow_other=allow_other,
        max_choices=max_choices,
        section=section,
        show_if_question=show_if_question,
        show_if_value=show_if_value,
    )
    _validate_question(question)
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def question_update(*, question: Question, data: Mapping[str, Any]) -> Question:
    """Change the given fields (any of QUESTION_FIELDS). Refused if it would orphan answers."""
    unknown = set(data) - set(QUESTION_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    # Work on fresh copies, so a refused change leaves the caller's object as it was.
    before = Question.objects.select_for_update().get(pk=question.pk)
    question = copy.copy(before)
    for name, value in data.items():
        if name in {"text", "hint", "show_if_value"} and isinstance(value, str):
            value = value.strip()
        if name == "choices":
            value = list(value)
        setattr(question, name, value)
    _validate_question(question)
    _refuse_orphaning(before, question)
    _check_dependents(question)
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    """Refused when people have answered it or another question depends on it."""
    if Answer.objects.filter(question=question).exists():
        raise ValidationError(
            "People have already answered this question, so it cannot be deleted: their answers would be lost. "
            "You can change its wording or hint instead."
        )
    dependent = question.dependents.first()
    if dependent is not None:
        raise ValidationError(f"“{dependent.text}” depends on this question. Change or delete that question first.")
    question.delete()


def _reorder(qs: Any, order: Mapping[int, int]) -> list[Any]:
    items = list(qs.select_for_update().order_by("order"))
    position = {item.pk: index for index, item in enumerate(items)}
    items.sort(key=lambda item: (order.get(item.pk, item.order), position[item.pk]))
    # Two steps because (consultation, order) is unique and not deferrable: move out of the way, then into place.
    offset = max([item.order for item in items] + [0]) + len(items) + 1
    for index, item in enumerate(items):
        qs.model.objects.filter(pk=item.pk).update(order=offset + index)
    for index, item in enumerate(items, start=1):
        item.order = index
        qs.model.objects.filter(pk=item.pk).update(order=index)
    return items


@transaction.atomic
def questions_reorder(*, consultation: Consultation, order: Mapping[int, int]) -> None:
    """Put questions in the order of the numbers given (question id -> number); numbers become 1, 2, 3 ...

    Refused if a question would come before the question it depends on.
    """
    items = _reorder(Question.objects.filter(consultation=consultation), order)
    by_pk = {item.pk: item for item in items}
    for item in items:
        parent = by_pk.get(item.show_if_question_id) if item.show_if_question_id else None
        if parent is not None and parent.order >= item.order:
            raise ValidationError(
                f"“{item.text}” depends on “{parent.text}”, so it must come after it. Nothing was changed."
            )


# --- Invite list -------------------------------------------------------------------------------------------------


def invitees_import(
    *, consultation: Consultation, rows: list[InviteRow], by: Any, now: datetime.datetime
) -> notification_services.InviteesImported:
    """Add a parsed invite list's people; refused once it is over, when they would get neither the opening email
    nor a reminder."""
    if consultation.is_over_at(now=now):
        raise ValidationError({"file": CLOSED_NO_INVITES})
    return notification_services.invitees_import(
        target=consultation, rows=rows, organisations=organisations_for(consultation=consultation), by=by
    )


# --- Documents ---------------------------------------------------------------------------------------------------

DOCX_PARTS = {"[Content_Types].xml", "word/document.xml"}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
TYPE_NAMES = {"pdf": "PDF", "docx": "Word (DOCX)", "odt": "OpenDocument text (ODT)"}
# A DOCX or ODT unpacks to at most this much in all: a zip bomb (a small file that inflates to gigabytes) is refused
# while it is read, counting the bytes actually inflated, since an entry's declared size can lie.
MAX_UNZIPPED_SIZE = 100 * 1024 * 1024
MAX_ENTRIES = 10_000
READ_CHUNK = 64 * 1024
# The parts read for their content are small in any real document.
MAX_PART_SIZE = 1024 * 1024
# Macros: Word keeps VBA in vbaProject.bin (and declares macro-enabled parts in [Content_Types].xml); OpenDocument
# keeps Basic and other scripts under Basic/ and Scripts/.
DOCX_MACRO_PART = "vbaproject.bin"
DOCX_MACRO_CONTENT_TYPES = (b"macroenabled", b"vbaproject", b"vbadata")
ODT_MACRO_FOLDERS = ("basic/", "scripts/")
ZIP_ERRORS = (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError, EOFError, zlib.error, lzma.LZMAError)


def document_type(*, name: str, stream: IO[bytes], size: int) -> str:
    """The document's type ("pdf", "docx" or "odt") after checking its name, its size and its content.

    The extension must match what the bytes are: a PDF starts with %PDF-; a DOCX is a zip holding
    word/document.xml; an ODT is a zip whose `mimetype` entry says it is OpenDocument text. A DOCX or ODT must
    unpack to at most MAX_UNZIPPED_SIZE and carry no macros.
    """
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in Document.ALLOWED_TYPES:
        raise ValidationError({"file": "The file must be a PDF, DOCX or ODT document."})
    if size <= 0:
        raise ValidationError({"file": "The selected file is empty."})
    if size > Document.MAX_SIZE:
        raise ValidationError({"file": f"The file must be smaller than {Document.MAX_SIZE // (1024 * 1024)}MB."})
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    wrong = ValidationError({"file": f"The file's content is not a {TYPE_NAMES[extension]} document."})
    if extension == "pdf":
        if not head.startswith(b"%PDF-"):
            raise wrong
        return "pdf"
    if not head.startswith(b"PK\x03\x04"):
        raise wrong
    try:
        with zipfile.ZipFile(stream) as archive:
            _check_package(archive, extension=extension, wrong=wrong)
    except ZIP_ERRORS:
        raise wrong from None
    finally:
        stream.seek(0)
    return extension


def _check_package(archive: zipfile.ZipFile, *, extension: str, wrong: ValidationError) -> None:
    """Refuse a DOCX or ODT that is not one, would unpack too far, or carries macros."""
    too_big = ValidationError(
        {
            "file": f"The file unpacks to more than {MAX_UNZIPPED_SIZE // (1024 * 1024)}MB, which no real document "
            "does, so it was not added. Save it again from your word processor, or as a PDF, and upload that."
        }
    )
    macros = ValidationError(
        {
            "file": "The file contains macros, which could run on the computer of anyone who opens it, so it was not "
            "added. Save it as a document without macros (a .docx or .odt file) or as a PDF, and upload that."
        }
    )
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNZIPPED_SIZE:
        raise too_big
    names = {entry.filename for entry in entries}
    lowered = [entry.filename.lower() for entry in entries]
    if extension == "docx":
        if not names >= DOCX_PARTS:
            raise wrong
        content_types = _read_part(archive, "[Content_Types].xml").lower()
        if any(n.rsplit("/", 1)[-1] == DOCX_MACRO_PART for n in lowered) or any(
            t in content_types for t in DOCX_MACRO_CONTENT_TYPES
        ):
            raise macros
    if extension == "odt":
        if "mimetype" not in names or _read_part(archive, "mimetype").strip() != ODT_MIMETYPE:
            raise wrong
        if any(n.startswith(ODT_MACRO_FOLDERS) for n in lowered):
            raise macros
    # Inflate every entry, a chunk at a time: that checks each one's CRC and declared size, and stops a bomb early.
    unpacked = 0
    for entry in entries:
        with archive.open(entry) as member:
            while chunk := member.read(READ_CHUNK):
                unpacked += len(chunk)
                if unpacked > MAX_UNZIPPED_SIZE:
                    raise too_big


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """An entry's content, read with a cap whatever size it declares; ValueError beyond MAX_PART_SIZE."""
    with archive.open(name) as member:
        data = member.read(MAX_PART_SIZE + 1)
    if len(data) > MAX_PART_SIZE:
        raise ValueError(f"{name} is larger than {MAX_PART_SIZE} bytes")
    return data


@transaction.atomic
def document_add(*, consultation: Consultation, title: str, file: UploadedFile) -> Document:
    size = int(file.size or 0)
    file_type = document_type(name=file.name or "", stream=file, size=size)  # type: ignore[arg-type]
    document = Document(
        consultation=consultation,
        title=title.strip(),
        file_type=file_type,
        size=size,
        order=_next_order(Document.objects.filter(consultation=consultation)),
    )
    document.file.save(f"{slugify(title)[:60] or 'document'}.{file_type}", file, save=False)
    document.save()
    return document


@transaction.atomic
def document_delete(*, document: Document) -> None:
    document.file.delete(save=False)
    document.delete()
