"""factory_boy factories for engagement tests (shared with the responding tests; add yours below your heading).

Governance factories live here until governance has its own: areas respect the rule that a parent is one rank up.
"""

import datetime
from typing import Any

import factory
from django.utils import timezone

from engagement.models import Consultation, Document, ManagerScope, Question, Response, Section
from engagement.references import new_reference
from governance.models import Area, Level, Organisation
from tests.governance.factories import SystemFactory  # one system factory for every app


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Level
        django_get_or_create = ("system", "rank")

    system = factory.SubFactory(SystemFactory)
    rank = 1
    name = factory.LazyAttribute(lambda o: f"Level {o.rank}")
    slug = factory.LazyAttribute(lambda o: f"level-{o.rank}")


class AreaFactory(factory.django.DjangoModelFactory):
    """A top-level area by default (rank 1 of a one-level system). Pass parent= to make a child one rank down."""

    class Meta:
        model = Area

    system = factory.LazyAttribute(lambda o: o.parent.system if o.parent else SystemFactory())
    level = factory.LazyAttribute(
        lambda o: (
            LevelFactory(system=o.system, rank=o.parent.level.rank - 1) if o.parent else LevelFactory(system=o.system)
        )
    )
    parent = None
    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")


def area_tree(*, slug: str = "sys", ranks: int = 3) -> list[Area]:
    """A chain of areas from the top (index 0, rank `ranks`) down to rank 1, in a new system."""
    system = SystemFactory(slug=slug, name=f"System {slug}", short_name=slug.upper()[:10])
    levels = [LevelFactory(system=system, rank=r) for r in range(ranks, 0, -1)]
    chain: list[Area] = []
    parent = None
    for level in levels:
        parent = Area.objects.create(
            system=system, level=level, parent=parent, name=f"{slug} {level.name}", slug=f"{slug}-{level.rank}"
        )
        chain.append(parent)
    return chain


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.ICB


class ConsultationFactory(factory.django.DjangoModelFactory):
    """Published and open by default: opened 10 days ago, closes in 20 days."""

    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    owner_area = factory.SubFactory(AreaFactory)
    system = factory.LazyAttribute(lambda o: o.owner_area.system)
    title = factory.Sequence(lambda n: f"Consultation {n}")
    slug = factory.Sequence(lambda n: f"consultation-{n}")
    summary = "What we propose and why we want your views."
    body = "<p>The details.</p>"
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=20))
    is_published = True

    class Params:
        draft = factory.Trait(is_published=False)
        closed = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=40)),
            closes_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10)),
        )
        forthcoming = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10)),
            closes_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=40)),
        )


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    consultation = factory.SubFactory(ConsultationFactory)
    title = factory.Sequence(lambda n: f"Section {n}")
    order = factory.Sequence(lambda n: n + 1)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    consultation = factory.SubFactory(ConsultationFactory)
    order = factory.Sequence(lambda n: n + 1)
    kind = Question.Kind.LONG_TEXT
    text = factory.Sequence(lambda n: f"Question {n}?")

    class Params:
        single_choice = factory.Trait(kind=Question.Kind.SINGLE_CHOICE, choices=["Option 1", "Option 2"])
        multiple_choice = factory.Trait(kind=Question.Kind.MULTIPLE_CHOICE, choices=["Red", "Green", "Blue"])


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    consultation = factory.SubFactory(ConsultationFactory)
    title = factory.Sequence(lambda n: f"Document {n}")
    file = factory.django.FileField(filename="document.pdf", data=b"%PDF-1.4\n%test\n")
    file_type = "pdf"
    size = 15


class ManagerScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManagerScope

    user: Any = None
    area = factory.SubFactory(AreaFactory)


# --- Responding (residents' flow) ---
class ResponseFactory(factory.django.DjangoModelFactory):
    """A draft response with a fresh reference; pass state="submitted" and submitted_at for a sent one."""

    class Meta:
        model = Response

    consultation = factory.SubFactory(ConsultationFactory)
    reference = factory.LazyFunction(new_reference)
    submission_token = factory.Sequence(lambda n: f"token-{n}")


def respond_survey() -> Consultation:
    """An open consultation in a 3-level system ("ncl") with two sections covering every question kind and both
    kinds of condition: same page (detail after yes) and next page (follow after choice). Questions are on
    `.q`, the respondent area (a borough, just under the top) on `.borough`."""
    top, borough, _neighbourhood = area_tree(slug="ncl", ranks=3)
    consultation = ConsultationFactory(
        owner_area=top,
        system=top.system,
        title="Next steps for our ICS",
        slug="next-steps",
        opens_at=timezone.now() - datetime.timedelta(days=5),
        closes_at=timezone.now() + datetime.timedelta(days=5),
    )
    s1 = SectionFactory(consultation=consultation, title="Governance", order=1)
    s2 = SectionFactory(consultation=consultation, title="Your priorities", order=2)
    kind = Question.Kind
    q: dict[str, Question] = {}
    q["choice"] = QuestionFactory(
        consultation=consultation, section=s1, order=1, kind=kind.SINGLE_CHOICE,
        text="Which governance option do you prefer?", choices=["Option 1", "Option 2"], allow_other=True,
        required=True,
    )  # fmt: skip
    q["yes"] = QuestionFactory(
        consultation=consultation, section=s1, order=2, kind=kind.YES_NO, text="Do you have other views?",
        required=True,
    )  # fmt: skip
    q["detail"] = QuestionFactory(
        consultation=consultation, section=s1, order=3, kind=kind.LONG_TEXT, text="What are your other views?",
        max_length=200, required=True, show_if_question=q["yes"], show_if_value="Yes",
    )  # fmt: skip
    q["multi"] = QuestionFactory(
        consultation=consultation, section=s2, order=4, kind=kind.MULTIPLE_CHOICE, text="What matters most?",
        choices=["Access", "Waiting times", "Prevention"], max_choices=2,
    )  # fmt: skip
    q["agree"] = QuestionFactory(
        consultation=consultation, section=s2, order=5, kind=kind.AGREE_SCALE,
        text="Care should be planned locally", hint="Think about your borough",
    )  # fmt: skip
    q["short"] = QuestionFactory(
        consultation=consultation, section=s2, order=6, kind=kind.SHORT_TEXT, text="Your group", max_length=50
    )
    q["email"] = QuestionFactory(
        consultation=consultation, section=s2, order=7, kind=kind.EMAIL, text="A contact for your group"
    )
    q["follow"] = QuestionFactory(
        consultation=consultation, section=s2, order=8, kind=kind.SHORT_TEXT, text="Why option 1?", required=True,
        show_if_question=q["choice"], show_if_value="Option 1",
    )  # fmt: skip
    consultation.q = q  # type: ignore[attr-defined]
    consultation.borough = borough  # type: ignore[attr-defined]
    return consultation
