"""Who may do what with the matrix. Reading is open to everyone; publishing a version needs a staff role *and*
the model permission `functions.publish_matrixversion` (given per user or group in the admin)."""

import rules

from accounts.permissions import can_browse_internal


@rules.predicate
def has_publish_permission(user: object) -> bool:
    return bool(getattr(user, "is_active", False)) and user.has_perm("functions.publish_matrixversion")  # type: ignore[attr-defined]


can_publish_version = can_browse_internal & has_publish_permission

rules.add_perm("functions.publish_version", can_publish_version)
# Who changed a function is for staff, as the structure's history is (governance.view_history): the page is public.
rules.add_perm("functions.view_editors", can_browse_internal)
