"""Demo data for this app: the seed consultations, closed since 2019-2021, carry a few hundred synthetic responses
(marked `is_synthetic`, and the summary says so), so the PMO demo account sees charts, free text, equality figures
and exports in `make run`; one of them has a small codebook with some typed answers tagged, so the summary shows
themes. Called by `seed_demo` after engagement's demo; idempotent."""

import datetime
from typing import TextIO

from accounts.models import User
from engagement.models import Answer, Consultation
from engagement.questions import TEXT_KINDS

from . import services_themes
from .models import Theme
from .synthetic import responses_generate

# The three closed seed consultations (engagement/demo.py) and how many made-up responses each carries.
DEMO_RESPONSES = {
    "nel-next-steps-for-integrated-care-systems": 320,
    "elhcp-long-term-plan-chapter-2-integrated-care": 180,
    "ncl-draft-long-term-plan-working-as-partners": 240,
}


# The codebook on NEL's consultation: (name, description, a word of the synthetic text it is tagged by).
DEMO_CODEBOOK_SLUG = "nel-next-steps-for-integrated-care-systems"
DEMO_THEMES = [
    ("GP appointments", "Getting an appointment with a GP, by phone or online.", "appointments"),
    ("Mental health support", "Support for mental health, for adults and young people.", "mental"),
    ("Travel and transport", "Getting to services: distance, buses, parking.", "transport"),
    ("Unpaid carers", "What carers and families need from services.", "carers"),
]
TAGS_PER_THEME = 30  # a programme office's first pass through the answers, not every answer
DEMO_TAGGER = "pmo@demo.nhs.net"


def load_codebook(*, now: datetime.datetime) -> int:
    """The codebook and its tags, through the services the codebook page uses; nothing if it already has themes
    (or the seed consultation or its synthetic responses are missing). Returns how many answers were tagged."""
    consultation = Consultation.objects.filter(slug=DEMO_CODEBOOK_SLUG).first()
    if consultation is None or Theme.objects.filter(consultation=consultation).exists():
        return 0
    answers = list(
        Answer.objects.select_related("response")
        .filter(response__consultation=consultation, response__is_synthetic=True, question__kind__in=TEXT_KINDS)
        .order_by("pk")
    )
    if not answers:
        return 0
    by = User.objects.filter(email=DEMO_TAGGER).first()
    when = min(now, consultation.closes_at + datetime.timedelta(days=3))  # tagged soon after it closed
    tagged = 0
    for name, description, word in DEMO_THEMES:
        theme = services_themes.theme_create(
            consultation=consultation, name=name, description=description, by=by, now=when
        )
        matching = [a for a in answers if word in str(a.value).lower().split()][:TAGS_PER_THEME]
        for answer in matching:
            tagged += services_themes.answer_tag(theme=theme, answer=answer, by=by, now=when)
    return tagged


def load(*, now: datetime.datetime, out: TextIO) -> None:
    made = 0
    for index, (slug, count) in enumerate(DEMO_RESPONSES.items()):
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None or consultation.responses.filter(is_synthetic=True).exists():
            continue  # already carries them (or the seed consultation is missing)
        made += responses_generate(consultation=consultation, count=count, seed=index + 1, now=now)
    out.write(f"Synthetic demonstration responses on the seed consultations: {made} made.\n")
    tagged = load_codebook(now=now)
    out.write(f"Demonstration codebook on {DEMO_CODEBOOK_SLUG}: {tagged} answers tagged.\n")
