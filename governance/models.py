"""How an integrated care system is organised: systems, their levels, areas, organisations and boards.

Levels are ranked from the most local (rank 1: neighbourhood / network) up to the whole system. An area's
parent is always an area of the level exactly one rank above, in the same system; since ranks strictly rise
going up the tree, that rule also makes cycles impossible. The database enforces it (see the migration
that adds the area triggers), not only `clean()`.
"""

from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from .querysets import AreaQuerySet, OrganisationQuerySet

ods_code_validator = RegexValidator(
    r"^[A-Z0-9]{3,10}$", "Enter an ODS code of 3 to 10 capital letters and digits, for example QMJ or U12345."
)
gss_code_validator = RegexValidator(r"^[EWSN]\d{8}$", "Enter a GSS code like E09000003: a letter then 8 digits.")


# Page addresses under /ics/ that a system's slug must not take (see governance/urls.py).
RESERVED_SYSTEM_SLUGS = ("search", "organisations", "history")


class System(models.Model):
    """An integrated care system (e.g. North Central London)."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, help_text="For example NCL.")
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=~Q(slug__in=RESERVED_SYSTEM_SLUGS),
                name="system_slug_not_reserved",
                violation_error_message="This slug is used by a page of the portal; choose another.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def top_rank(self) -> int:
        """The rank of the whole-system level (0 when the system has no levels yet)."""
        return self.levels.aggregate(top=models.Max("rank"))["top"] or 0


class Level(models.Model):
    """One tier of a system: rank 1 is the most local; the highest rank covers the whole system."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="levels")
    name = models.CharField(max_length=100)
    # The sources name some levels in the plural ("Networks", NEL) and call the top one by the system's own
    # initials ("NCL"); labelling one area needs a singular noun: "Hackney (Place-based system)".
    singular_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="What one area of this level is called, for example Network or NCL-wide. Blank: the name.",
    )
    slug = models.SlugField(max_length=60)
    rank = models.PositiveSmallIntegerField(help_text="1 for the most local level, rising to the whole system.")
    description = models.TextField(blank=True, help_text="What this level does (from the source documents).")
    typical_population = models.CharField(max_length=100, blank=True, help_text="For example 30,000-50,000.")
    expected_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many areas this level has in reality (e.g. 47 networks), shown while fewer are loaded.",
    )

    class Meta:
        ordering = ("system", "rank")
        constraints = [
            models.UniqueConstraint(fields=["system", "rank"], name="level_unique_rank"),
            models.UniqueConstraint(fields=["system", "slug"], name="level_unique_slug"),
            models.UniqueConstraint(fields=["system", "name"], name="level_unique_name"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="level_rank_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def singular(self) -> str:
        """The level's name for one area of it: "Network", "Borough Partnership"."""
        return self.singular_name or self.name


class Area(models.Model):
    """An instance of a level: NCL itself, the Barnet borough partnership, a neighbourhood."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="areas")
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="areas")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    is_placeholder = models.BooleanField(
        default=False, help_text="A stand-in name until the real list (e.g. ePCN) is imported."
    )
    history = HistoricalRecords()

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ("level__rank", "name")
        constraints = [
            models.UniqueConstraint(fields=["system", "slug"], name="area_unique_slug"),
            models.UniqueConstraint(fields=["level", "name"], name="area_unique_name_in_level"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="area_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """ "Camden (Borough Partnership)": the area and the level that runs it, the level left out when the name
        already says it. Needs `level` loaded (select_related)."""
        level = self.level.singular
        if level.casefold() in self.name.casefold():
            return self.name
        return f"{self.name} ({level})"

    @property
    def label_in_system(self) -> str:
        """ "Camden (Borough Partnership, NCL)" where several systems are listed together. The top area is the
        system itself, so it gets no "NCL" after "North Central London (NCL-wide)". Needs `level`, `system`."""
        level, short = self.level.singular, self.system.short_name
        parts = [] if level.casefold() in self.name.casefold() else [level]
        if self.parent_id is not None and not any(short.casefold() in p.casefold() for p in [self.name, *parts]):
            parts.append(short)
        return f"{self.name} ({', '.join(parts)})" if parts else self.name

    def clean(self) -> None:
        if not self.level_id or not self.system_id:
            return  # The missing field is reported on its own.
        if self.level.system_id != self.system_id:
            raise ValidationError({"level": "The level must belong to the same system as the area."})
        parent = self.parent
        if parent is not None and (parent.level.rank != self.level.rank + 1 or parent.system_id != self.system_id):
            raise ValidationError({"parent": "The parent must be an area of the level just above, in the same system."})
        if parent is None and self.level.rank != self.level.system.top_rank():
            raise ValidationError({"parent": "Choose the area this one belongs to, on the level just above."})


class AreaCode(models.Model):
    """An official code for an area (ONS GSS, ODS), valid for a period: codes change when bodies merge."""

    class Scheme(models.TextChoices):
        GSS = "gss", "ONS GSS code"
        ODS = "ods", "ODS code"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="codes")
    scheme = models.CharField(max_length=10, choices=Scheme.choices)
    code = models.CharField(max_length=20)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("scheme", "code")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="areacode_unique_code"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="areacode_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.code}"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ICB = "icb", "Integrated care board / CCG"
        TRUST = "trust", "NHS trust"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        PCN = "pcn", "Primary care network"
        GP_PRACTICE = "gp_practice", "GP practice"
        VCS = "vcs", "Voluntary and community sector"
        OTHER = "other", "Other"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="organisations", null=True, blank=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ods_code = models.CharField(max_length=10, blank=True, validators=[ods_code_validator])
    areas = models.ManyToManyField(Area, through="Membership", related_name="organisations", blank=True)
    history = HistoricalRecords()

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["ods_code"], condition=~Q(ods_code=""), name="organisation_unique_ods"),
            models.CheckConstraint(
                condition=Q(ods_code="") | Q(ods_code__regex=r"^[A-Z0-9]{3,10}$"), name="organisation_ods_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """An organisation's membership of an area's partnership."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=200, blank=True, help_text="For example 'lead provider'.")
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "area"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.area}"


class Board(models.Model):
    class Kind(models.TextChoices):
        ICS_PARTNERSHIP = "ics_partnership", "ICS partnership board"
        BOROUGH_PARTNERSHIP = "borough_partnership", "Borough partnership board"
        HEALTH_AND_WELLBEING = "health_and_wellbeing", "Health and wellbeing board"
        ICB_BOARD = "icb_board", "Integrated care board"
        PCN_BOARD = "pcn_board", "Neighbourhood / PCN board"
        OTHER = "other", "Other board or committee"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("name",)
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="board_unique_name_in_area")]

    def __str__(self) -> str:
        return self.name


class BoardMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        NON_EXECUTIVE_CHAIR = "non_executive_chair", "Non-executive chair"
        CLINICAL_DIRECTOR = "clinical_director", "Clinical director of a PCN"
        NON_EXECUTIVE = "non_executive", "Non-executive member"
        EXECUTIVE = "executive", "Executive member"
        PARTNER_MEMBER = "partner_member", "Partner member"
        LAY_MEMBER = "lay_member", "Lay member / resident representative"
        OTHER = "other", "Other"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="members")
    person_name = models.CharField(max_length=200)
    role = models.CharField(max_length=30, choices=Role.choices)
    role_detail = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="board_seats"
    )
    history = HistoricalRecords()

    objects: ClassVar[models.Manager["BoardMember"]] = models.Manager()

    class Meta:
        ordering = ("board", "role", "person_name")

    def __str__(self) -> str:
        return f"{self.person_name} ({self.get_role_display()})"


class AreaPopulation(models.Model):
    """How many people live in an area, from a named source and year (e.g. ONS Census 2021 usual residents),
    for the whole area (`age_band` empty) or one age band (the equality form's bands). Imported by
    `manage.py import_population`; the ONS figures for the NCL and NEL boroughs ship in governance/data/."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="populations")
    age_band = models.CharField(max_length=30, blank=True, help_text="Empty for all ages.")
    population = models.PositiveIntegerField()
    source = models.CharField(max_length=300, help_text="Where the figure comes from, with its address.")
    year = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ("area", "age_band", "-year")
        constraints = [
            models.UniqueConstraint(fields=["area", "age_band", "year"], name="areapopulation_unique"),
            models.CheckConstraint(condition=Q(population__gt=0), name="areapopulation_positive"),
            models.CheckConstraint(condition=Q(year__gte=1800, year__lte=2200), name="areapopulation_year"),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.population} ({self.year}{', ' + self.age_band if self.age_band else ''})"
