"""Demo consultations, built from code with dates relative to `now`; called by `manage.py seed_demo`.

Three real consultations from the seeds, with their own wording and historical (closed) dates:
- NEL ICS, "The next steps to building strong and effective integrated care systems" (seed 001): feedback to the
  PMO by 4 January 2021 so the ICS can respond to NHS England and NHS Improvement by 8 January 2021;
- East London Health and Care Partnership, Long Term Plan chapter 2 "Integrated Care" (seed 004): comments before
  Friday 25 October 2019, so the closing date is 24 October 2019 (11:59pm);
- NCL draft Long Term Plan, "Working as partners to integrate care" (seed 002): the seed gives no dates, so the
  demo uses illustrative autumn 2019 dates and says so in its summary.
Plus an open consultation (opened 10 days ago, closes in 20 days) with one question of every kind, two sections
and a conditional question, and a forthcoming one, so `make run` shows every state.

Idempotent: everything is looked up by slug (consultations) or by order (sections, questions) and saved only when
something differs, so a second run on the same day changes nothing. Questions that already have answers are never
deleted.
"""

import datetime
from typing import Any, TextIO

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from accounts.models import User
from governance.models import Area, Organisation
from notifications.invites import InviteRow
from notifications.models import Follow

from .deadlines import closing_datetime, opening_datetime
from .formatting import to_safe_html
from .models import Answer, Consultation, ManagerScope, Question, Response, Section
from .references import new_reference
from .services import consultations as consultation_services

K = Question.Kind


class DemoPrerequisiteMissingError(RuntimeError):
    pass


MANAGERS = {"manager.ncl@demo.nhs.net": ("ncl", "ncl"), "manager.nel@demo.nhs.net": ("nel", "nel")}

APPROXIMATE_OPENING = "The opening date shown is approximate; the closing date is the one in the original document."


def _historical() -> list[dict[str, Any]]:
    return [
        {
            "slug": "nel-next-steps-for-integrated-care-systems",
            "system": "nel",
            "area": "nel",
            "lead_ods": "",
            "title": "The next steps to building strong and effective integrated care systems",
            "summary": (
                "NHS England and NHS Improvement set out proposals for how integrated care systems will work from "
                "April 2021, and two options for putting them on a legal footing. NEL ICS wants local views so it "
                "can compile its response."
            ),
            "body": "\n\n".join(
                [
                    "The document signals a renewed ambition for how we can support greater collaboration between "
                    "partners in health and care systems to help accelerate progress in meeting our most critical "
                    "health and care challenges.",
                    "Our proposals are designed to serve four fundamental purposes:\n"
                    "- improving population health and healthcare\n- tackling unequal outcomes and access\n"
                    "- enhancing productivity and value for money\n"
                    "- helping the NHS to support broader social and economic development",
                    "Two options are put forward for the governance of an ICS:\n"
                    "- **Option 1:** a statutory ICS board or joint committee with an accountable officer\n"
                    "- **Option 2:** a statutory corporate NHS body model (the option NHS England and NHS "
                    "Improvement prefer)",
                    "We are keen to provide a response to NHSE/I on their proposals and would encourage feedback on "
                    "your views so that we can compile our ICS response. We would encourage groups to discuss these "
                    "proposals and let us have your views. In order to compile a response and get it signed off by "
                    "ICS leaders we will need any feedback no later than 4 January 2021 – however, please submit "
                    "earlier if possible.",
                    APPROXIMATE_OPENING,
                ]
            ),
            "contact_email": "nel-ics.pmo@nhs.net",
            "opens_at": opening_datetime(datetime.date(2020, 11, 30)),
            "closes_at": closing_datetime(datetime.date(2021, 1, 4)),
            "onward_deadline": datetime.date(2021, 1, 8),
            "onward_deadline_text": "so the ICS can respond to NHS England and NHS Improvement",
            "targets": [],
            "sections": [],
            "questions": [
                {
                    "kind": K.SINGLE_CHOICE,
                    "text": "Which of the governance models put forward by NHSE/I do you prefer: option 1 or 2?",
                    "hint": "Option 1: statutory ICS board or joint committee with an accountable officer. "
                    "Option 2: statutory corporate NHS body model.",
                    "choices": ["Option 1", "Option 2"],
                },
                {
                    "kind": K.LONG_TEXT,
                    "text": "Do you have any comments on what we need to do to make our ICS work most effectively?",
                    "max_length": 5000,
                },
                {
                    "kind": K.LONG_TEXT,
                    "text": "What other views do you have about our emerging ICS?",
                    "max_length": 5000,
                },
            ],
        },
        {
            "slug": "elhcp-long-term-plan-chapter-2-integrated-care",
            "system": "nel",
            "area": "nel",
            "lead_ods": "",
            "title": "Long Term Plan chapter 2: Integrated Care",
            "summary": (
                "East London Health and Care Partnership shared this chapter of its Long Term Plan at an early stage "
                "to allow time to incorporate feedback from local people, partners and stakeholders before the "
                "document is finalised in November 2019."
            ),
            "body": "\n\n".join(
                [
                    "We want to know what you think!",
                    "This section of our Long Term Plan is still in development and has been shared at an early "
                    "stage to allow time to incorporate feedback from local people, our partners and stakeholders.",
                    "If you have any comments, questions or think anything is missing, we would really like to hear "
                    "from you, before Friday 25 October 2019 so we can make sure your comments are considered "
                    "before the document is finalised in November.",
                    "We will establish a single Integrated Care System (ICS) across north east London by April 2021. "
                    "It will be supported by a single north east London CCG, three strong local systems (BHR, C&H "
                    "and WEL), eight local authorities and 47 primary care networks.",
                    APPROXIMATE_OPENING,
                ]
            ),
            "contact_email": "elhcp.enquiries@nhs.net",
            "opens_at": opening_datetime(datetime.date(2019, 10, 1)),
            "closes_at": closing_datetime(datetime.date(2019, 10, 24)),
            "onward_deadline": None,
            "onward_deadline_text": "",
            "targets": ["wel", "bhr", "city-and-hackney"],
            "sections": [],
            "questions": [
                {
                    "kind": K.LONG_TEXT,
                    "text": "Do you have any comments or questions about this chapter?",
                    "max_length": 5000,
                },
                {"kind": K.LONG_TEXT, "text": "Do you think anything is missing?", "max_length": 5000},
            ],
        },
        {
            "slug": "ncl-draft-long-term-plan-working-as-partners",
            "system": "ncl",
            "area": "ncl",
            "lead_ods": "",
            "title": "Working as partners to integrate care: draft Long Term Plan",
            "summary": (
                "North Central London's draft plan for integrated care: neighbourhoods of 30,000 to 50,000 people, "
                "a partnership in each borough and an NCL-wide strategic commissioner. The source document is an "
                "open invitation to feed back with no dates: the dates here (October to November 2019) are "
                "illustrative."
            ),
            "body": "\n\n".join(
                [
                    "We have been working together to consider what the requirements set out in the NHS Long Term "
                    "Plan mean for our residents, staff and health and care partner organisations across North "
                    "Central London (NCL).",
                    "This draft plan builds on existing plans and work already underway across NCL and sets out how "
                    "we will deliver the commitments in the Long Term Plan.",
                    "If you would like to feedback or contribute to this work as we further develop our plans and "
                    "implementation, please tell us what you think.",
                ]
            ),
            "contact_email": "",
            "opens_at": opening_datetime(datetime.date(2019, 10, 1)),
            "closes_at": closing_datetime(datetime.date(2019, 11, 15)),
            "onward_deadline": None,
            "onward_deadline_text": "",
            "targets": [],
            "sections": [],
            "questions": [
                {
                    "kind": K.AGREE_SCALE,
                    "text": "How far do you agree with planning care at three levels: neighbourhood, borough "
                    "partnership and NCL?",
                },
                {
                    "kind": K.LONG_TEXT,
                    "text": "What would you like to feed back or contribute to this work?",
                    "max_length": 5000,
                },
            ],
        },
    ]


def _current(now: datetime.datetime) -> list[dict[str, Any]]:
    today = now.date()
    return [
        {
            "slug": "camden-neighbourhood-health-and-care-demo",
            "system": "ncl",
            "area": "camden",
            "lead_ods": "QMJ",
            "title": "Neighbourhood health and care in Camden",
            "summary": (
                "A demonstration consultation: Camden borough partnership asks how care should be organised around "
                "neighbourhoods. It shows every type of question."
            ),
            "body": "\n\n".join(
                [
                    "**This is demonstration content.** The dates move with the day the demo was loaded.",
                    "Neighbourhoods serve populations of 30,000 to 50,000 people, with integrated teams from "
                    "general practice, community health, social care and the voluntary sector.",
                    "Tell us:\n- what matters most to you near where you live\n- what you would change first",
                ]
            ),
            "contact_email": "engagement@example.nhs.uk",
            "opens_at": opening_datetime(today - datetime.timedelta(days=10)),
            "closes_at": closing_datetime(today + datetime.timedelta(days=20)),
            "onward_deadline": today + datetime.timedelta(days=35),
            "onward_deadline_text": "so the Camden borough partnership board can decide its priorities",
            "targets": ["camden"],
            "functions": ["Engagement with residents on ensuring services meet local needs"],
            "sections": [
                {"title": "About the proposals", "intro": "Questions about organising care around neighbourhoods."},
                {"title": "Your priorities", "intro": "What should come first."},
            ],
            "questions": [
                {
                    "section": 1,
                    "kind": K.AGREE_SCALE,
                    "required": True,
                    "text": "How far do you agree that more care should be organised around neighbourhoods of "
                    "30,000 to 50,000 people?",
                },
                {
                    "section": 1,
                    "kind": K.YES_NO,
                    "required": True,
                    "text": "Have you used a GP practice, pharmacy or community health service in the last 12 months?",
                },
                {
                    "section": 1,
                    "kind": K.LONG_TEXT,
                    "show_if": (2, "yes"),
                    "max_length": 2000,
                    "text": "Tell us about your experience",
                    "hint": "Do not include personal medical details.",
                },
                {
                    "section": 1,
                    "kind": K.MULTIPLE_CHOICE,
                    "max_choices": 3,
                    "allow_other": True,
                    "text": "Which services matter most to you near where you live?",
                    "hint": "Think of the services you or the people you care for use.",
                    "choices": [
                        "GP practice",
                        "Pharmacy",
                        "Mental health support",
                        "Community nursing",
                        "Social care",
                        "Voluntary and community groups",
                    ],
                },
                {
                    "section": 2,
                    "kind": K.SINGLE_CHOICE,
                    "required": True,
                    "allow_other": True,
                    "text": "What should the borough partnership do first?",
                    "choices": [
                        "Join up services for older people",
                        "Improve access to mental health support",
                        "Tackle health inequalities",
                        "Support carers",
                    ],
                },
                {
                    "section": 2,
                    "kind": K.SHORT_TEXT,
                    "max_length": 200,
                    "text": "In a few words, what one change would make the most difference?",
                },
                {
                    "section": 2,
                    "kind": K.EMAIL,
                    "text": "If you would like to join our residents' panel, enter your email address",
                    "hint": "We will use it only to invite you to the panel.",
                },
            ],
        },
        {
            "slug": "city-and-hackney-place-partnership-demo",
            "system": "nel",
            "area": "city-and-hackney",
            "lead_ods": "QMF",
            "title": "Shaping the City and Hackney place-based partnership",
            "summary": (
                "A demonstration forthcoming consultation: how the City and Hackney partnership should work with "
                "residents. It opens in two weeks."
            ),
            "body": "**This is demonstration content.** The dates move with the day the demo was loaded.",
            "contact_email": "engagement@example.nhs.uk",
            "opens_at": opening_datetime(today + datetime.timedelta(days=14)),
            "closes_at": closing_datetime(today + datetime.timedelta(days=56)),
            "onward_deadline": None,
            "onward_deadline_text": "",
            "targets": ["city-and-hackney"],
            "sections": [],
            "questions": [
                {"kind": K.YES_NO, "required": True, "text": "Do you live or work in the City of London or Hackney?"},
                {
                    "kind": K.LONG_TEXT,
                    "max_length": 3000,
                    "text": "How should the partnership involve residents in its decisions?",
                },
            ],
        },
    ]


def _save_if_changed(obj: models.Model, values: dict[str, Any]) -> str:
    """Set values; save only if something differs (so history rows and timestamps stay put)."""
    if obj.pk is None:
        for name, value in values.items():
            setattr(obj, name, value)
        obj.save()
        return "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.save()
    return "updated"


def _area(system_slug: str, slug: str) -> Area:
    area = Area.objects.filter(system__slug=system_slug, slug=slug).first()
    if area is None:
        raise DemoPrerequisiteMissingError(
            f"engagement.demo needs the area {slug!r} of system {system_slug!r}: run governance.demo first "
            "(seed_demo does)."
        )
    return area


def _load_consultation(spec: dict[str, Any], tally: dict[str, int]) -> Consultation:
    owner = _area(spec["system"], spec["area"])
    lead = Organisation.objects.filter(ods_code=spec["lead_ods"]).first() if spec["lead_ods"] else None
    consultation = Consultation.objects.filter(slug=spec["slug"]).first() or Consultation(slug=spec["slug"])
    state = _save_if_changed(
        consultation,
        {
            "system_id": owner.system_id,
            "owner_area_id": owner.pk,
            "lead_organisation_id": lead.pk if lead else None,
            "title": spec["title"],
            "summary": spec["summary"],
            "body": to_safe_html(spec["body"]),
            "contact_email": spec["contact_email"],
            "opens_at": spec["opens_at"],
            "closes_at": spec["closes_at"],
            "onward_deadline": spec["onward_deadline"],
            "onward_deadline_text": spec["onward_deadline_text"],
            "is_published": True,
        },
    )
    tally[state] += 1
    targets = {_area(spec["system"], slug).pk for slug in spec["targets"]}
    if set(consultation.target_areas.values_list("pk", flat=True)) != targets:
        consultation.target_areas.set(targets)
    _link_functions(consultation, spec.get("functions", []))

    sections: dict[int, Section] = {}
    for order, section_spec in enumerate(spec["sections"], start=1):
        section = Section.objects.filter(consultation=consultation, order=order).first() or Section(
            consultation=consultation, order=order
        )
        tally[_save_if_changed(section, {"title": section_spec["title"], "intro": section_spec["intro"]})] += 1
        sections[order] = section

    questions: dict[int, Question] = {}
    for order, q in enumerate(spec["questions"], start=1):
        question = Question.objects.filter(consultation=consultation, order=order).first() or Question(
            consultation=consultation, order=order
        )
        parent_order, parent_value = q.get("show_if", (None, ""))
        values = {
            "kind": q["kind"],
            "text": q["text"],
            "hint": q.get("hint", ""),
            "required": q.get("required", False),
            "max_length": q.get("max_length"),
            "choices": q.get("choices", []),
            "allow_other": q.get("allow_other", False),
            "max_choices": q.get("max_choices"),
            "section": sections.get(q["section"]) if "section" in q else None,
            "show_if_question": questions[parent_order] if parent_order else None,
            "show_if_value": parent_value,
        }
        if question.pk and question.kind != q["kind"] and Answer.objects.filter(question=question).exists():
            raise DemoPrerequisiteMissingError(f"Demo question {order} of {spec['slug']} has answers; not changing it.")
        tally[_save_if_changed(question, values)] += 1
        questions[order] = question
    # Extra questions (from an older demo) go, unless someone has answered them.
    extra = Question.objects.filter(consultation=consultation, order__gt=len(spec["questions"]))
    extra.filter(answers__isnull=True, dependents__isnull=True).delete()
    Section.objects.filter(consultation=consultation, order__gt=len(spec["sections"]), questions__isnull=True).delete()
    return consultation


def _link_functions(consultation: Consultation, titles: list[str]) -> None:
    """Link functions of the function matrix by title, when that app has loaded them."""
    if not titles:
        return
    from functions.models import Function

    wanted = set(
        Function.objects.filter(system_id=consultation.system_id, title__in=titles).values_list("pk", flat=True)
    )
    if wanted and set(consultation.functions.values_list("pk", flat=True)) != wanted:
        consultation.functions.set(wanted)


def _load_managers(tally: dict[str, int]) -> None:
    for email, (system_slug, area_slug) in MANAGERS.items():
        user = User.objects.filter(email=email).first()
        if user is None:
            raise DemoPrerequisiteMissingError(f"engagement.demo needs the user {email}: run accounts.demo first.")
        _scope, created = ManagerScope.objects.get_or_create(user=user, area=_area(system_slug, area_slug))
        tally["created" if created else "unchanged"] += 1


# The open demo consultation's audience (Camden's, in NCL): who follows what, who is invited, and who has already
# responded and how, so `send_due_notifications --now <7 days before it closes>` reminds exactly the others:
# follower.ncl@, resident@ (an account), healthwatch@ and gp.lead@ (tests/engagement/test_demo.py).
AUDIENCE_CONSULTATION = "camden-neighbourhood-health-and-care-demo"
DEMO_FOLLOWS = [  # (address, area slug or None for the consultation itself, is an account)
    ("follower.ncl@example.com", "ncl", False),  # the ICS above: reminded
    ("follower.camden@example.com", "camden", False),  # responded from this address: not reminded
    ("follower.islington@example.com", "islington", False),  # a sibling borough: not told at all
    ("resident@example.com", None, True),  # the demo resident's account follows it: reminded
]
DEMO_INVITEES = [  # (name, address, organisation as a manager would type it)
    ("Camden council lead", "council.lead@example.org", "london borough of camden"),  # the council responded
    ("Carers centre", "carers@example.org", "Camden Carers Centre"),  # responded by typed name
    ("Healthwatch Camden", "healthwatch@example.org", "Healthwatch Camden"),  # no response: reminded
    ("GP lead", "gp.lead@example.org", ""),  # no response: reminded
]
DEMO_AUDIENCE_RESPONSES = [  # (address, respondent type, organisation name); marked synthetic
    ("follower.camden@example.com", "individual", ""),
    ("council.officer@example.org", "organisation", "London Borough of Camden"),
    ("volunteer@example.org", "organisation", "Camden Carers Centre"),
]


def _load_audience(now: datetime.datetime, tally: dict[str, int]) -> None:
    consultation = Consultation.objects.get(slug=AUDIENCE_CONSULTATION)
    ncl = consultation.system
    for address, area_slug, is_account in DEMO_FOLLOWS:
        target: models.Model = consultation if area_slug is None else Area.objects.get(system=ncl, slug=area_slug)
        who: dict[str, Any] = (
            {"user": User.objects.get(email=address), "email": ""} if is_account else {"user": None, "email": address}
        )
        _follow, created = Follow.objects.get_or_create(
            **who,
            target_type=ContentType.objects.get_for_model(target),
            target_id=target.pk,
            defaults={"confirmed_at": now},
        )
        tally["created" if created else "unchanged"] += 1
    organisations = Organisation.objects.filter(system=ncl)
    for address, kind, organisation_name in DEMO_AUDIENCE_RESPONSES:
        if Response.objects.filter(consultation=consultation, email=address).exists():
            tally["unchanged"] += 1
            continue
        Response.objects.create(
            consultation=consultation,
            reference=new_reference(),
            state=Response.State.SUBMITTED,
            submitted_at=now - datetime.timedelta(days=2),
            email=address,
            respondent_type=kind,
            organisation=organisations.filter(name__iexact=organisation_name).first() if organisation_name else None,
            organisation_name=organisation_name,
            is_synthetic=True,
        )
        tally["created"] += 1
    rows = [InviteRow(line=n, name=name, email=e, organisation=o) for n, (name, e, o) in enumerate(DEMO_INVITEES, 2)]
    result = consultation_services.invitees_import(consultation=consultation, rows=rows, by=None, now=now)
    tally["created"] += result.added
    tally["unchanged"] += result.already_listed


@transaction.atomic
def load(*, now: datetime.datetime, out: TextIO) -> None:
    """Create or update this app's demo records idempotently."""
    tally = {"created": 0, "updated": 0, "unchanged": 0}
    for spec in _historical() + _current(now):
        _load_consultation(spec, tally)
    _load_managers(tally)
    _load_audience(now, tally)
    out.write(
        f"Consultations (3 closed from the seeds, 1 open, 1 forthcoming), manager scopes and the open one's "
        f"followers, invitees and their responses: {tally['created']} "
        f"created, {tally['updated']} updated, {tally['unchanged']} unchanged.\n"
    )
