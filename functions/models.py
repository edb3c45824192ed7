"""The function matrix: which level of a system owns each function, what influences it and what it supports.

Definitions (seed 002, Appendix 1):
- *Owned by*: the level has dedicated operational capacity and decision-making authority for the function.
- *Influenced by*: linked to a part of the system that inputs into the decision or sets its scope or priorities.
- *Supports*: linked to a part of the system and provides the conditions for its success.

"Influenced by" and "Supports" point either at a level of the same system or at a named body or workstream
("NCL outcomes framework"); "Other key links to" points at bodies only. All three are `FunctionLink` rows, so the
grid loads every relationship with one query, and each link keeps its position so an export reproduces the
order of the file it came from.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from governance.models import Level, System

from .querysets import FunctionQuerySet


class Category(models.TextChoices):
    # The seed's functions are all clinical and service functions; it says the enablers are still to be added.
    SERVICE = "service", "Clinical and service"
    FINANCE = "finance", "Finance"
    ESTATES = "estates", "Estates"
    WORKFORCE = "workforce", "Workforce"
    DIGITAL = "digital", "Digital"


class Body(models.Model):
    """A named body or workstream a function links to, e.g. "NCL outcomes framework"."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="function_bodies")
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "bodies"
        constraints = [
            # "NCL Outcomes Framework" and "NCL outcomes framework" are the same body.
            models.UniqueConstraint(Lower("name"), "system", name="body_unique_name_ci"),
            models.CheckConstraint(condition=~Q(name=""), name="body_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Function(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed"
        RETIRED = "retired", "Retired"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="functions")
    title = models.TextField(help_text="The function as the matrix words it.")
    description = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.SERVICE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Exactly one owner: NOT NULL here; same system: clean(), the importer and a trigger (migration 0002).
    owner = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="owned_functions")
    position = models.PositiveIntegerField(default=0, help_text="Row order in the matrix.")
    history = HistoricalRecords()

    objects = FunctionQuerySet.as_manager()

    class Meta:
        ordering = ("system", "position", "id")
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="function_title_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "agreed", "retired"]), name="function_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in Category]), name="function_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.owner_id and self.system_id and self.owner.system_id != self.system_id:
            raise ValidationError({"owner": "The owning level must be a level of the function's own system."})


class FunctionLink(models.Model):
    """One "influenced by", "supports" or "other key link" of a function, to a level or to a body."""

    class Kind(models.TextChoices):
        INFLUENCED_BY = "influenced_by", "Influenced by"
        SUPPORTS = "supports", "Supports"
        OTHER = "other", "Other key link"

    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.ForeignKey(Level, on_delete=models.PROTECT, null=True, blank=True, related_name="function_links")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, null=True, blank=True, related_name="function_links")
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ("function", "kind", "position", "id")
        constraints = [
            models.CheckConstraint(
                condition=(Q(level__isnull=False) & Q(body__isnull=True))
                | (Q(level__isnull=True) & Q(body__isnull=False)),
                name="functionlink_level_xor_body",
            ),
            models.CheckConstraint(
                condition=~Q(kind="other") | Q(level__isnull=True), name="functionlink_other_is_a_body"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["influenced_by", "supports", "other"]), name="functionlink_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["function", "kind", "level"], condition=Q(level__isnull=False), name="functionlink_unique_level"
            ),
            models.UniqueConstraint(
                fields=["function", "kind", "body"], condition=Q(body__isnull=False), name="functionlink_unique_body"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"

    @property
    def target(self) -> Any:
        return self.level if self.level_id else self.body

    @property
    def target_name(self) -> str:
        target = self.target
        return target.name if target is not None else ""

    def clean(self) -> None:
        system_id = self.function.system_id if self.function_id else None
        if self.level is not None and system_id and self.level.system_id != system_id:
            raise ValidationError({"level": "The level must belong to the function's system."})
        if self.body is not None and system_id and self.body.system_id != system_id:
            raise ValidationError({"body": "The body must belong to the function's system."})


class MatrixVersion(models.Model):
    """A named, published snapshot of a system's matrix, kept as JSON so later edits never change it."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="matrix_versions")
    name = models.CharField(max_length=200)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(help_text="The snapshot: see functions.services.matrix_snapshot.")

    class Meta:
        ordering = ("-published_at", "-id")
        permissions = [("publish_matrixversion", "Can publish a named version of the function matrix")]
        constraints = [
            models.UniqueConstraint(fields=["system", "name"], name="matrixversion_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="matrixversion_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class MatrixRevision(models.Model):
    """One row whose `value` rises on every write to functions, links, bodies, levels or systems.

    Database triggers (migration 0003) bump it, so writes that skip Django's signals (QuerySet.update, raw SQL,
    the admin, imports) still count. The grid page caches its rendered HTML under the revision: a new revision
    makes every cached page stale at once."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)
