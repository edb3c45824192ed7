"""Demo data for this app: NCL and NEL from ../shared/REFERENCE.md and seeds 002-004; called by `seed_demo`.

Only public facts are used (ODS/ONS codes, borough GSS codes, counts from the seeds). Where a real name is not
known, the record says so plainly: NCL's 30 neighbourhoods are "Barnet neighbourhood 1 (placeholder)" and so
on until the ePCN list is imported, and board seats are "Chair (to be confirmed)", never invented people.
NEL's 47 networks are not invented at all: its Networks level says they arrive by import.

Idempotent: every write is an upsert that saves only real changes (governance/services.py).
"""

import datetime
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from . import services
from .importers import ImportResult, import_population
from .models import Area, AreaCode, Board, BoardMember, Level, Organisation, System

Kind = Organisation.Kind
Role = BoardMember.Role

NCL: dict[str, Any] = {
    "slug": "ncl",
    "name": "North Central London",
    "short_name": "NCL",
    "description": (
        "The integrated care system for Barnet, Camden, Enfield, Haringey and Islington: a single NCL-wide "
        "strategic commissioner working with a borough partnership in each borough, supporting frontline "
        "integration of services in neighbourhoods (draft Long Term Plan, chapter 2)."
    ),
    "levels": [
        # slug, name, singular name (one area of it), rank, typical population, expected count, description (seed 002)
        (
            "neighbourhood",
            "Neighbourhood",
            "Neighbourhood",
            1,
            "30,000-50,000 people",
            30,
            "Neighbourhoods build on the core of the primary care networks: multidisciplinary teams from social "
            "care, health, the voluntary sector and community groups take a proactive, population-based approach "
            "to care through consistent pathways, tailored to their communities.",
        ),
        (
            "borough-partnership",
            "Borough Partnership",
            "Borough Partnership",
            2,
            "One borough (a local authority area)",
            5,
            "The critical point of integration: most services are planned and coordinated at borough level by "
            "local partnerships of public sector bodies taking shared responsibility for their population, "
            "with joint planning across health, social care and the wider determinants of health.",
        ),
        (
            "ncl",
            "NCL",
            "NCL-wide",
            3,
            "All of north central London",
            1,
            "Works across north central London where a larger footprint makes it more effective: a strategic "
            "commissioner agreeing long-term, outcome-based plans with the borough partnerships, population "
            "health, acute contracting, large-scale reconfiguration and digital.",
        ),
    ],
    "top": ("ncl", "North Central London", [("gss", "E54000028"), ("ods", "QMJ"), ("ods", "93C")]),
    # slug, name, GSS code, number of neighbourhoods (seed 002: 30 PCNs)
    "boroughs": [
        ("barnet", "Barnet", "E09000003", 7),
        ("camden", "Camden", "E09000007", 7),
        ("enfield", "Enfield", "E09000010", 4),
        ("haringey", "Haringey", "E09000014", 8),
        ("islington", "Islington", "E09000019", 4),
    ],
    "icb": ("NHS North Central London Integrated Care Board", "QMJ"),
}

NEL: dict[str, Any] = {
    "slug": "nel",
    "name": "North East London",
    "short_name": "NEL",
    "description": (
        "The integrated care system for north east London, built from the bottom up: 47 networks, eight "
        "place-based systems on local authority footprints, three local systems (WEL, BHR, City and Hackney) "
        "and the ICS itself (Long Term Plan, chapter 2)."
    ),
    "levels": [
        (
            "networks",
            "Networks",
            "Network",
            1,
            "30,000-50,000 people",
            47,
            "Primary care networks across practices and health and social care: integrated multi-disciplinary "
            "teams with a proactive role in population health and prevention, drawing on community, voluntary "
            "and independent sector resources and other public services like housing.",
        ),
        (
            "place-based-systems",
            "Place-based systems",
            "Place-based system",
            2,
            "A local authority area",
            8,
            "Serve local populations in line with local authority geographies: integration of hospital, council "
            "and primary care teams, new provider models for anticipatory care, out-of-hospital care around "
            "specialities, hospital discharge and admission avoidance.",
        ),
        (
            "local-systems",
            "Local systems",
            "Local system",
            3,
            "Two or three local authority areas",
            3,
            "WEL, BHR and City and Hackney: collaborative working between providers, strategic partnerships and "
            "provision at scale, broadly following patient flows to the three main acute trusts.",
        ),
        (
            "integrated-care-system",
            "Integrated Care System",
            "Integrated Care System",
            4,
            "All of north east London",
            1,
            "System strategy and planning; governance and accountability; implementing strategic change; "
            "managing performance and collective financial resources; identifying and sharing best practice "
            "across the system.",
        ),
    ],
    "top": ("nel", "North East London", [("gss", "E54000029"), ("ods", "QMF"), ("ods", "A3A8R")]),
    # local system slug, name, [(place slug, name, GSS code)]
    "local_systems": [
        (
            "wel",
            "WEL (Waltham Forest, Tower Hamlets and Newham)",
            [
                ("waltham-forest", "Waltham Forest", "E09000031"),
                ("tower-hamlets", "Tower Hamlets", "E09000030"),
                ("newham", "Newham", "E09000025"),
            ],
        ),
        (
            "bhr",
            "BHR (Barking and Dagenham, Havering and Redbridge)",
            [
                ("barking-and-dagenham", "Barking and Dagenham", "E09000002"),
                ("havering", "Havering", "E09000016"),
                ("redbridge", "Redbridge", "E09000026"),
            ],
        ),
        (
            "city-and-hackney",
            "City and Hackney",
            [
                ("city-of-london", "City of London", "E09000001"),
                ("hackney", "Hackney", "E09000012"),
            ],
        ),
    ],
    "icb": ("NHS North East London Integrated Care Board", "QMF"),
}

LOCAL_AUTHORITY_NAMES = {"City of London": "City of London Corporation"}

# NHS trusts named in seed 004 (no ODS codes: none is given in the sources, so none is stored).
NEL_TRUSTS = {
    "barts": "Barts Health NHS Trust",
    "elft": "East London NHS Foundation Trust",
    "homerton": "Homerton University Hospital NHS Foundation Trust",
    "nelft": "North East London NHS Foundation Trust",
    "bhrut": "Barking, Havering and Redbridge University Hospitals NHS Trust",
}
NEL_TRUST_MEMBERSHIPS = [
    # local system, trusts, role (seed 004, "Achievements to date")
    ("wel", ["barts", "elft", "homerton", "nelft"], "Provider collaborative partnership (WEL and City and Hackney)"),
    (
        "city-and-hackney",
        ["barts", "elft", "homerton", "nelft"],
        "Provider collaborative partnership (WEL and City and Hackney)",
    ),
    ("bhr", ["bhrut", "nelft"], "Provider partner (chair in common at BHRUT and NELFT)"),
]

# Seats by role (seed 003: a partnership board with a non-executive chair, partners from commissioners,
# trusts, primary care networks, local authorities and the voluntary sector). Names are never invented.
ICS_PARTNERSHIP_SEATS = [
    (Role.NON_EXECUTIVE_CHAIR, "Independent chair", "Chair (to be confirmed)"),
    (Role.EXECUTIVE, "Integrated care board", "ICB chief executive (to be confirmed)"),
    (Role.PARTNER_MEMBER, "NHS trusts", "NHS trusts' representative (to be confirmed)"),
    (Role.PARTNER_MEMBER, "Local authorities", "Local authorities' representative (to be confirmed)"),
    (Role.CLINICAL_DIRECTOR, "Primary care networks", "PCN clinical director (to be confirmed)"),
    (Role.PARTNER_MEMBER, "Voluntary and community sector", "Voluntary sector representative (to be confirmed)"),
    (Role.LAY_MEMBER, "Residents", "Resident representative (to be confirmed)"),
]
BOROUGH_PARTNERSHIP_SEATS = [
    (Role.CHAIR, "Chair", "Chair (to be confirmed)"),
    (Role.PARTNER_MEMBER, "Local authority", "Council representative (to be confirmed)"),
    (Role.CLINICAL_DIRECTOR, "Primary care networks", "PCN clinical director (to be confirmed)"),
    (Role.PARTNER_MEMBER, "NHS providers", "NHS providers' representative (to be confirmed)"),
    (Role.LAY_MEMBER, "Residents", "Resident representative (to be confirmed)"),
]
HEALTH_AND_WELLBEING_SEATS = [
    (Role.CHAIR, "Chair", "Chair (to be confirmed)"),
    (Role.EXECUTIVE, "Director of public health", "Director of public health (to be confirmed)"),
    (Role.PARTNER_MEMBER, "Integrated care board", "ICB representative (to be confirmed)"),
]


class _Tally(Counter[str]):
    def add(self, outcome: services.Outcome) -> services.Outcome:
        self[outcome.change.value] += 1
        return outcome


def _levels(system: System, rows: list, tally: _Tally) -> dict[str, Level]:
    levels = {}
    # Highest rank first: a level may not be added above areas that already exist.
    for slug, name, singular, rank, population, expected, description in sorted(rows, key=lambda r: -r[3]):
        levels[slug] = tally.add(
            services.level_upsert(
                system=system,
                slug=slug,
                name=name,
                singular_name=singular,
                rank=rank,
                description=description,
                typical_population=population,
                expected_count=expected,
            )
        ).obj
    return levels


def _area(system: System, level: Level, slug: str, name: str, parent: Area | None, tally: _Tally, **kw) -> Area:
    return tally.add(services.area_upsert(system=system, level=level, slug=slug, name=name, parent=parent, **kw)).obj


def _codes(area: Area, codes: list[tuple[str, str]], tally: _Tally) -> None:
    for scheme, code in codes:
        tally.add(services.area_code_set(area=area, scheme=scheme, code=code))


def _board(area: Area, name: str, kind: str, description: str, seats: list, tally: _Tally) -> Board:
    board = tally.add(services.board_upsert(area=area, name=name, kind=kind, description=description)).obj
    for role, detail, person in seats:
        tally.add(services.board_member_ensure(board=board, person_name=person, role=role, role_detail=detail))
    return board


def _system(data: dict, tally: _Tally) -> tuple[System, dict[str, Level], Area, Organisation]:
    system = tally.add(
        services.system_upsert(
            slug=data["slug"], name=data["name"], short_name=data["short_name"], description=data["description"]
        )
    ).obj
    levels = _levels(system, data["levels"], tally)
    top_level = max(levels.values(), key=lambda level: level.rank)
    top_slug, top_name, top_codes = data["top"]
    top = _area(system, top_level, top_slug, top_name, None, tally)
    _codes(top, top_codes, tally)
    icb_name, icb_code = data["icb"]
    icb = tally.add(services.organisation_upsert(name=icb_name, kind=Kind.ICB, ods_code=icb_code, system=system)).obj
    tally.add(services.membership_ensure(organisation=icb, area=top, role="Integrated care board"))
    _board(
        top,
        f"{data['short_name']} ICS partnership board",
        Board.Kind.ICS_PARTNERSHIP,
        "The partnership board drawn from commissioners, trusts, primary care networks, local authorities, "
        "the voluntary and community sector and other partners, with a non-executive chair.",
        ICS_PARTNERSHIP_SEATS,
        tally,
    )
    return system, levels, top, icb


def _local_authority(system: System, area: Area, name: str, tally: _Tally) -> Organisation:
    la_name = LOCAL_AUTHORITY_NAMES.get(name, f"London Borough of {name}")
    council = tally.add(services.organisation_upsert(name=la_name, kind=Kind.LOCAL_AUTHORITY, system=system)).obj
    tally.add(services.membership_ensure(organisation=council, area=area, role="Local authority"))
    _board(
        area,
        f"{name} health and wellbeing board",
        Board.Kind.HEALTH_AND_WELLBEING,
        f"The statutory health and wellbeing board of {la_name}.",
        HEALTH_AND_WELLBEING_SEATS,
        tally,
    )
    return council


def load_ncl(tally: _Tally) -> System:
    system, levels, top, icb = _system(NCL, tally)
    for slug, name, gss, neighbourhoods in NCL["boroughs"]:
        borough = _area(system, levels["borough-partnership"], slug, name, top, tally)
        _codes(borough, [(AreaCode.Scheme.GSS, gss)], tally)
        tally.add(services.membership_ensure(organisation=icb, area=borough, role="Integrated care board"))
        _local_authority(system, borough, name, tally)
        _board(
            borough,
            f"{name} borough partnership board",
            Board.Kind.BOROUGH_PARTNERSHIP,
            f"Brings partners in {name} together to plan, develop and coordinate services for the borough.",
            BOROUGH_PARTNERSHIP_SEATS,
            tally,
        )
        for n in range(1, neighbourhoods + 1):
            _area(
                system,
                levels["neighbourhood"],
                f"{slug}-neighbourhood-{n}",
                f"{name} neighbourhood {n} (placeholder)",
                borough,
                tally,
                is_placeholder=True,
            )
    return system


def load_nel(tally: _Tally) -> System:
    system, levels, top, icb = _system(NEL, tally)
    for slug, name, places in NEL["local_systems"]:
        local = _area(system, levels["local-systems"], slug, name, top, tally)
        tally.add(services.membership_ensure(organisation=icb, area=local, role="Integrated care board"))
        for place_slug, place_name, gss in places:
            place = _area(system, levels["place-based-systems"], place_slug, place_name, local, tally)
            _codes(place, [(AreaCode.Scheme.GSS, gss)], tally)
            _local_authority(system, place, place_name, tally)
    trusts = {
        key: tally.add(services.organisation_upsert(name=name, kind=Kind.TRUST, system=system)).obj
        for key, name in NEL_TRUSTS.items()
    }
    for local_slug, keys, role in NEL_TRUST_MEMBERSHIPS:
        local = Area.objects.get(system=system, slug=local_slug)
        for key in keys:
            tally.add(services.membership_ensure(organisation=trusts[key], area=local, role=role))
    return system


def load(*, now: datetime.datetime, out: TextIO) -> None:
    """Create or update NCL and NEL idempotently; a second run reports everything unchanged."""
    tally = _Tally()
    load_ncl(tally)
    load_nel(tally)
    population = load_population()
    out.write(
        "ICS structure (NCL, NEL): "
        f"{tally['created']} created, {tally['updated']} updated, {tally['unchanged']} unchanged.\n"
    )
    out.write(f"Population (ONS Census 2021): {population.summary()}\n")


POPULATION_FILE = Path(__file__).resolve().parent / "data" / "ons_census_2021_usual_residents.csv"


def load_population() -> ImportResult:
    """The boroughs' ONS Census 2021 usual residents, from the file shipped with its source (idempotent)."""
    with POPULATION_FILE.open(encoding="utf-8", newline="") as file:
        result = import_population(file)
    if result.errors:
        raise RuntimeError("; ".join(str(e) for e in result.errors))
    return result
