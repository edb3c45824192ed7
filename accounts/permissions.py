"""Role predicates (django-rules). Object-level rules for areas live in each app's permissions.py.

The PMO is a role (the group) with a reach (`PmoScope`): a member sees the systems of their scopes, or every system
with a portal-wide scope. `pmo_system_ids` reads the scopes once per request (cached on the user object).

Here permissions are asked of rules alone (`rules.has_perm`), not `user.has_perm`: ModelBackend would first load
every model permission of the user and their groups (two queries), and none of these is a model permission.
"""

from typing import Any

import rules
from django.urls import reverse

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
def is_pmo_of_system(user: Any, system_id: int | None) -> bool:
    systems = pmo_system_ids(user)
    return systems is EVERY_SYSTEM or (system_id is not None and system_id in systems)


rules.add_perm("accounts.browse_internal", can_browse_internal)
rules.add_perm("accounts.manage_consultations", is_consultation_manager)
# The header's "Admin" link is the superusers' own (the admin decides for itself whom it lets in).
rules.add_perm("accounts.use_admin", rules.is_superuser)


def work_links(*, user: Any) -> list[dict[str, str]]:
    """The header's links to a signed-in user's work, one per role that has a page: what they may do, in words.

    Decided by the same permissions the pages check, so a link is shown exactly when its page lets the user in.
    Accounts is below every feature: the pages are named by URL name and permission string, never imported.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    return [{"href": reverse(name), "text": text} for perm, name, text in WORK_PAGES if rules.has_perm(perm, user)]


# (permission, URL name, link text).
WORK_PAGES = (
    ("engagement.access_management", "engagement:manage_list", "Manage consultations"),
    ("reporting.view_reports", "reporting:index", "Response summaries"),
    ("accounts.use_admin", "admin:index", "Admin"),
)


def access_advice(*, user: Any) -> str:
    """What a refused user can do next, in words that fit their role: nobody is told to contact themselves."""
    if not getattr(user, "is_authenticated", False):
        return "If you have an account with access, sign in with it."
    if user.is_superuser:
        return "This page is not available for this item."
    # The role predicates share rules' cache of the user's group names: one query for every role asked.
    if in_pmo_group(user):
        return (
            "Your account is in the programme office. To be given another role, for example consultation "
            "manager for an area, ask a portal administrator."
        )
    if is_consultation_manager(user) and not rules.has_perm("engagement.access_management", user):
        return (
            "Your account is a consultation manager's but has no area yet. Ask the programme office to give you "
            "the areas you manage consultations for."
        )
    if is_consultation_manager(user):
        return (
            "Your account is a consultation manager's. If you need a page for another area or role, ask the "
            "programme office or a portal administrator."
        )
    if is_staff_member(user):
        return "Your account is a staff account. If you need this page for your work, ask the programme office."
    return (
        "This page is for NHS staff with a role in the portal. If you work for the integrated care system and "
        "need it, ask the programme office to give your account access."
    )
