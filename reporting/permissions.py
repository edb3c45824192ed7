"""Who sees which consultation's summary, responses and exports (django-rules).

The PMO of a system (the PMO group, reaching the systems of the member's `accounts.PmoScope`) sees that system's
consultations; a portal-wide PMO and superusers see every one. A consultation manager sees those owned by an area
they were given or by an area below it: the same scope as managing it (engagement.permissions), so "the managers
of the owning area and the areas above it" is one rule, not two. Nobody else sees any. The export log is for the
PMO and superusers, each seeing the entries of their systems' consultations (export_log_filter).
"""

from typing import Any

import rules
from django.db.models import Q

from accounts.permissions import (
    is_consultation_manager,
    is_pmo_of_some_system,
    pmo_system_ids,
)
from engagement.permissions import (
    consultation_in_scope,
    is_pmo_of_consultation_system,
    is_scoped_manager,
    manageable_consultations_filter,
)

can_view_reports = is_pmo_of_some_system | is_scoped_manager
can_view_consultation_report = is_pmo_of_consultation_system | (is_consultation_manager & consultation_in_scope)

rules.add_perm("reporting.view_reports", can_view_reports)
rules.add_perm("reporting.view_consultation_report", can_view_consultation_report)
rules.add_perm("reporting.view_export_log", is_pmo_of_some_system)


@rules.predicate
def may_see_export_job(user: Any, job: Any) -> bool:
    """A background export's page and file: its owner and the PMO of its system, and only while they may still see
    the consultation's reports (checked again on every request: a manager moved to another area loses it)."""
    if job is None or not can_view_consultation_report.test(user, job.consultation):
        return False
    return bool(job.user_id == user.pk or is_pmo_of_consultation_system.test(user, job.consultation))


rules.add_perm("reporting.view_export_job", may_see_export_job)


def reportable_consultations_filter(user: Any) -> Q:
    """A filter for Consultation querysets matching `reporting.view_consultation_report`."""
    systems = pmo_system_ids(user)
    if systems is None:
        return Q()
    return Q(system_id__in=systems) | manageable_consultations_filter(user)


def export_log_filter(user: Any) -> Q:
    """A filter for ExportLog querysets: the entries a PMO may read (a deleted consultation's only for every-system
    PMOs and superusers, as its system is no longer known)."""
    systems = pmo_system_ids(user)
    if systems is None:
        return Q()
    return Q(consultation__system_id__in=systems)
