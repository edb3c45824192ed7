"""The outbox's vocabulary: which rows are due, stale, or about a given object."""

import datetime
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from .models import Email, Invitee  # noqa: F401


class EmailQuerySet(models.QuerySet["Email"]):
    def due(self, *, now: datetime.datetime) -> "EmailQuerySet":
        """READY rows whose retry time (if any) has come."""
        return self.filter(Q(status="ready") & (Q(not_before__isnull=True) | Q(not_before__lte=now)))

    def stale(self, *, now: datetime.datetime, after: datetime.timedelta) -> "EmailQuerySet":
        """Rows still SENDING although claimed longer ago than any batch can take: their worker died."""
        return self.filter(status="sending", claimed_at__lte=now - after)

    def about(self, obj: models.Model) -> "EmailQuerySet":
        return self.filter(about_type=ContentType.objects.get_for_model(obj), about_id=obj.pk)


class InviteeQuerySet(models.QuerySet["Invitee"]):
    def invited_to(self, obj: models.Model) -> "InviteeQuerySet":
        """The invite list of `obj` (a consultation)."""
        return self.filter(target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk)

    def subscribed(self) -> "InviteeQuerySet":
        """Those who have not unsubscribed: the ones optional emails go to."""
        return self.filter(unsubscribed_at__isnull=True)
