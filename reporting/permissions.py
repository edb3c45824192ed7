"""Who sees which consultation's summary, responses and exports (django-rules).

The PMO (one group for the whole portal; superusers count as PMO) sees every consultation. A consultation
manager sees those owned by an area they were given or by an area below it: the same scope as managing it
(engagement.permissions), so "the managers of the owning area and the areas above it" is one rule, not two.
Nobody else sees any. The export log is for the PMO and superusers only.
"""

from typing import Any

import rules
from django.db.models import Q

from accounts.permissions import is_consultation_manager, is_pmo
from engagement.permissions import consultation_in_scope, is_scoped_manager, manageable_consultations_filter

can_view_reports = is_pmo | is_scoped_manager
can_view_consultation_report = is_pmo | (is_consultation_manager & consultation_in_scope)

rules.add_perm("reporting.view_reports", can_view_reports)
rules.add_perm("reporting.view_consultation_report", can_view_consultation_report)
rules.add_perm("reporting.view_export_log", is_pmo)


@rules.predicate
def may_see_export_job(user: Any, job: Any) -> bool:
    """A background export's page and file: its owner and the PMO, and only while they may still see the
    consultation's reports (checked again on every request: a manager moved to another area loses it)."""
    if job is None or not can_view_consultation_report.test(user, job.consultation):
        return False
    return bool(job.user_id == user.pk or is_pmo.test(user))


rules.add_perm("reporting.view_export_job", may_see_export_job)


def reportable_consultations_filter(user: Any) -> Q:
    """A filter for Consultation querysets matching `reporting.view_consultation_report`."""
    if is_pmo(user):
        return Q()
    return manageable_consultations_filter(user)
