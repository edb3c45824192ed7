"""Who may see what in governance (django-rules). Editing is through the Django admin's model permissions."""

import rules

from accounts.permissions import can_browse_internal

# Staff (and PMO, consultation managers, superusers) may read the change history of areas, organisations, boards.
rules.add_perm("governance.view_history", can_browse_internal)
