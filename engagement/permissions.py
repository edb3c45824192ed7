"""Who may manage which consultation (django-rules).

A consultation manager has one or more ManagerScope areas and may manage consultations owned by those areas or any
area below them. Checking a consultation reads its owner area's ancestors (`Area.objects.ancestors_of`, a bounded number of queries
whatever the depth) and asks whether any is in the user's scope. Superusers manage everything.
"""

from typing import Any

import rules
from django.db.models import Q

from accounts.permissions import is_consultation_manager, is_pmo_of_system
from governance.models import Area

from .models import Consultation, ManagerScope

_CACHE_ATTR = "_engagement_scope_area_ids"


def scope_area_ids(user: Any) -> frozenset[int]:
    """The areas a user was given directly (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = frozenset(ManagerScope.objects.filter(user=user).values_list("area_id", flat=True))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def area_and_ancestor_ids(area_id: int) -> set[int]:
    """The area with its parent, grandparent ... up to the top of its system."""
    return set(Area.objects.ancestors_of([area_id], include_self=True).values_list("pk", flat=True))


def managed_area_ids(user: Any) -> set[int]:
    """Every area a user may manage consultations for: their scope areas and all areas below them."""
    scope = scope_area_ids(user)
    if not scope:
        return set()
    return set(Area.objects.descendants_of(scope, include_self=True).values_list("pk", flat=True))


@rules.predicate
def has_manager_scope(user: Any) -> bool:
    return bool(scope_area_ids(user))


@rules.predicate
def area_in_scope(user: Any, area: Area | None) -> bool:
    if area is None:
        return False
    scope = scope_area_ids(user)
    return bool(scope) and not scope.isdisjoint(area_and_ancestor_ids(area.pk))


@rules.predicate
def consultation_in_scope(user: Any, consultation: Consultation | None) -> bool:
    if consultation is None:
        return False
    scope = scope_area_ids(user)
    return bool(scope) and not scope.isdisjoint(area_and_ancestor_ids(consultation.owner_area_id))


is_scoped_manager = is_consultation_manager & has_manager_scope

rules.add_perm("engagement.access_management", rules.is_superuser | is_scoped_manager)
rules.add_perm("engagement.add_consultation", rules.is_superuser | is_scoped_manager)
rules.add_perm("engagement.manage_consultation", rules.is_superuser | (is_consultation_manager & consultation_in_scope))
rules.add_perm("engagement.manage_area", rules.is_superuser | (is_consultation_manager & area_in_scope))


@rules.predicate
def is_pmo_of_consultation_system(user: Any, consultation: Consultation | None) -> bool:
    return consultation is not None and is_pmo_of_system.test(user, consultation.system_id)


# The managers' emails page: its managers, and the PMO of its system (who gets its closing email too).
rules.add_perm(
    "engagement.view_consultation_emails",
    rules.is_superuser | (is_consultation_manager & consultation_in_scope) | is_pmo_of_consultation_system,
)


def manageable_consultations_filter(user: Any) -> Q:
    """A filter for Consultation querysets: what this user may manage."""
    if getattr(user, "is_superuser", False):
        return Q()
    if not is_scoped_manager(user):
        return Q(pk__in=[])
    return Q(owner_area_id__in=managed_area_ids(user))


def manageable_areas_filter(user: Any) -> Q:
    if getattr(user, "is_superuser", False):
        return Q()
    if not is_scoped_manager(user):
        return Q(pk__in=[])
    return Q(pk__in=managed_area_ids(user))
