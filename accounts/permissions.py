"""Role predicates (django-rules). Object-level rules for areas live in each app's permissions.py."""

from typing import Any

import rules
from django.urls import reverse

from . import roles

is_staff_member = rules.is_group_member(roles.STAFF) | rules.is_superuser
is_pmo = rules.is_group_member(roles.PMO) | rules.is_superuser
is_consultation_manager = rules.is_group_member(roles.CONSULTATION_MANAGER) | rules.is_superuser
# PMO and consultation managers are staff too: they may browse internal pages.
can_browse_internal = is_staff_member | is_pmo | is_consultation_manager

rules.add_perm("accounts.browse_internal", can_browse_internal)
rules.add_perm("accounts.manage_consultations", is_consultation_manager)


def work_links(*, user: Any) -> list[dict[str, str]]:
    """The header's links to a signed-in user's work, one per role that has a page: what they may do, in words.

    Decided by the same permissions the pages check, so a link is shown exactly when its page lets the user in.
    Accounts is below every feature: the pages are named by URL name and permission string, never imported.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    links = []
    for perm, name, text in WORK_PAGES:
        if perm == "superuser" and not user.is_superuser:
            continue
        # rules' own check, not user.has_perm: ModelBackend would load every model permission (two queries) first.
        if perm != "superuser" and not rules.has_perm(perm, user):
            continue
        links.append({"href": reverse(name), "text": text})
    return links


# (permission, URL name, link text). "Admin" is the superusers' own: staff without it are refused by the admin.
WORK_PAGES = (
    ("engagement.access_management", "engagement:manage_list", "Manage consultations"),
    ("reporting.view_reports", "reporting:index", "Response summaries"),
    ("superuser", "admin:index", "Admin"),
)


def access_advice(*, user: Any) -> str:
    """What a refused user can do next, in words that fit their role: nobody is told to contact themselves."""
    if not getattr(user, "is_authenticated", False):
        return "If you have an account with access, sign in with it."
    if user.is_superuser:
        return "This page is not available for this item."
    names = set(user.groups.values_list("name", flat=True))
    if roles.PMO in names:
        return (
            "Your account is in the programme office. To be given another role, for example consultation "
            "manager for an area, ask a portal administrator."
        )
    if roles.CONSULTATION_MANAGER in names and not user.has_perm("engagement.access_management"):
        return (
            "Your account is a consultation manager's but has no area yet. Ask the programme office to give you "
            "the areas you manage consultations for."
        )
    if roles.CONSULTATION_MANAGER in names:
        return (
            "Your account is a consultation manager's. If you need a page for another area or role, ask the "
            "programme office or a portal administrator."
        )
    if roles.STAFF in names:
        return "Your account is a staff account. If you need this page for your work, ask the programme office."
    return (
        "This page is for NHS staff with a role in the portal. If you work for the integrated care system and "
        "need it, ask the programme office to give your account access."
    )
