"""Who may see the outbox (django-rules): superusers and a portal-wide PMO.

The outbox lists every system's emails (addresses, errors), so a system's PMO does not see it; only a PMO member
with a scope for every system (accounts.PmoScope with no system) does. The role and the relation are named here
rather than imported, because notifications imports no feature app (accounts/roles.py defines PMO;
tests/notifications/test_outbox_views.py checks the names agree).
"""

from typing import Any

import rules

PMO_GROUP = "PMO"
PMO_SCOPES = "pmo_scopes"  # accounts.PmoScope's related name on the user


@rules.predicate
def has_every_system_pmo_scope(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, PMO_SCOPES).filter(system=None).exists()


is_outbox_staff = rules.is_superuser | (rules.is_group_member(PMO_GROUP) & has_every_system_pmo_scope)

rules.add_perm("notifications.view_outbox", is_outbox_staff)
rules.add_perm("notifications.send_again", is_outbox_staff)
