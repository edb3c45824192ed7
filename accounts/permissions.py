"""Role predicates (django-rules). Object-level rules for areas live in each app's permissions.py.

The PMO is a role (the group) with a reach (`PmoScope`): a member sees the systems of their scopes, or every system
with a portal-wide scope. `pmo_system_ids` reads the scopes once per request (cached on the user object).
"""

from typing import Any

import rules

from . import roles
from .models import PmoScope

_PMO_CACHE_ATTR = "_accounts_pmo_system_ids"
EVERY_SYSTEM = None  # what pmo_system_ids answers for a portal-wide PMO

is_staff_member = rules.is_group_member(roles.STAFF) | rules.is_superuser
in_pmo_group = rules.is_group_member(roles.PMO)
is_pmo = in_pmo_group | rules.is_superuser
is_consultation_manager = rules.is_group_member(roles.CONSULTATION_MANAGER) | rules.is_superuser
# PMO and consultation managers are staff too: they may browse internal pages.
can_browse_internal = is_staff_member | is_pmo | is_consultation_manager


def pmo_system_ids(user: Any) -> frozenset[int] | None:
    """The systems whose PMO `user` is: None for every system (a superuser, a portal-wide PMO), else the ids (empty
    for anyone who is not in the PMO group or has no scope)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return EVERY_SYSTEM
    if not hasattr(user, _PMO_CACHE_ATTR):
        found: frozenset[int] | None = frozenset()
        if in_pmo_group(user):
            ids = set(PmoScope.objects.filter(user=user).values_list("system_id", flat=True))
            found = EVERY_SYSTEM if None in ids else frozenset(i for i in ids if i is not None)
        setattr(user, _PMO_CACHE_ATTR, found)
    return getattr(user, _PMO_CACHE_ATTR)  # type: ignore[no-any-return]


@rules.predicate
def is_pmo_of_some_system(user: Any) -> bool:
    return pmo_system_ids(user) != frozenset()


@rules.predicate
def is_pmo_of_every_system(user: Any) -> bool:
    return pmo_system_ids(user) is EVERY_SYSTEM


@rules.predicate
def is_pmo_of_system(user: Any, system_id: int | None) -> bool:
    systems = pmo_system_ids(user)
    return systems is EVERY_SYSTEM or (system_id is not None and system_id in systems)


rules.add_perm("accounts.browse_internal", can_browse_internal)
rules.add_perm("accounts.manage_consultations", is_consultation_manager)
