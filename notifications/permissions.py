"""Who may see the outbox (django-rules): the PMO and superusers.

The role is named here rather than imported, because notifications imports no feature app (accounts/roles.py
defines PMO; tests/notifications/test_outbox_views.py checks the two names agree).
"""

import rules

PMO_GROUP = "PMO"

is_outbox_staff = rules.is_group_member(PMO_GROUP) | rules.is_superuser

rules.add_perm("notifications.view_outbox", is_outbox_staff)
rules.add_perm("notifications.send_again", is_outbox_staff)
