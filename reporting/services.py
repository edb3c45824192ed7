"""Writes: recording an export in the log before its file is made."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from engagement.models import Consultation

from .exports import export_responses
from .models import ExportLog
from .selectors import ReportFilters

REASON_NEEDED = "Say why you need the personal data (email addresses, names and contact details)"
PACK_HAS_NO_PERSONAL_DATA = "The summary pack never holds personal data: untick it, or choose CSV or XLSX"


@transaction.atomic
def export_record(
    *,
    consultation: Consultation,
    user: Any,
    fmt: str,
    filters: ReportFilters,
    personal_data: bool,
    reason: str,
    now: datetime.datetime,
    source: str = ExportLog.Source.WEB,
) -> ExportLog:
    """Record who exports what, with how many rows (the responses sent up to `now`: exports.export_responses).
    Personal data needs a reason; without one nothing is recorded or exported."""
    reason = reason.strip()
    if fmt not in ExportLog.Format.values:
        raise ValidationError({"format": "Choose CSV, XLSX or a summary pack"})
    if personal_data and fmt == ExportLog.Format.DOCX:
        raise ValidationError({"personal_data": PACK_HAS_NO_PERSONAL_DATA})
    if personal_data and not reason:
        raise ValidationError({"reason": REASON_NEEDED})
    rows = export_responses(consultation=consultation, filters=filters, until=now).count()
    signed_in = getattr(user, "is_authenticated", False)
    return ExportLog.objects.create(
        created_at=now,
        user=user if signed_in else None,
        user_email=user.email if signed_in else "",
        consultation=consultation,
        consultation_title=consultation.title,
        format=fmt,
        source=source,
        filters=filters.query(),
        filters_text="; ".join(filters.describe())[:1000],
        rows=rows,
        personal_data=personal_data,
        reason=reason if personal_data else "",
    )
