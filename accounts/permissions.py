"""Role predicates (django-rules). Object-level rules for areas live in each app's permissions.py."""

import rules

from . import roles

is_staff_member = rules.is_group_member(roles.STAFF) | rules.is_superuser
is_pmo = rules.is_group_member(roles.PMO) | rules.is_superuser
is_consultation_manager = rules.is_group_member(roles.CONSULTATION_MANAGER) | rules.is_superuser
# PMO and consultation managers are staff too: they may browse internal pages.
can_browse_internal = is_staff_member | is_pmo | is_consultation_manager

rules.add_perm("accounts.browse_internal", can_browse_internal)
rules.add_perm("accounts.manage_consultations", is_consultation_manager)
