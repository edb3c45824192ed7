"""Demo data for this app: the seed consultations, closed since 2019-2021, carry a few hundred synthetic responses
(marked `is_synthetic`, and the summary says so), so the PMO demo account sees charts, free text, equality figures
and exports in `make run`. Called by `seed_demo` after engagement's demo; idempotent."""

import datetime
from typing import TextIO

from engagement.models import Consultation

from .synthetic import responses_generate

# The three closed seed consultations (engagement/demo.py) and how many made-up responses each carries.
DEMO_RESPONSES = {
    "nel-next-steps-for-integrated-care-systems": 320,
    "elhcp-long-term-plan-chapter-2-integrated-care": 180,
    "ncl-draft-long-term-plan-working-as-partners": 240,
}


def load(*, now: datetime.datetime, out: TextIO) -> None:
    made = 0
    for index, (slug, count) in enumerate(DEMO_RESPONSES.items()):
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None or consultation.responses.filter(is_synthetic=True).exists():
            continue  # already carries them (or the seed consultation is missing)
        made += responses_generate(consultation=consultation, count=count, seed=index + 1, now=now)
    out.write(f"Synthetic demonstration responses on the seed consultations: {made} made.\n")
