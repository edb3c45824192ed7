"""The consultation emails that beat plans, through the outbox: opening emails and reminders to followers and
invitees (`openings.py`, `reminders.py`), and the staff's closing and onward-deadline emails (`staff_emails.py`).

`register_kinds` (called from NotificationsConfig.ready) tells the outbox about their kinds; `due_emails_plan` is
the one list of planners that beat's 15-minute pass (`tasks.plan_due_emails`) and `send_due_notifications` run.
"""

import datetime
from dataclasses import dataclass

from . import kinds
from .kinds import Kind
from .openings import OpeningPlan, opening_context, opening_contexts, openings_plan
from .reminders import OffsetPlan, reminder_context, reminder_contexts, reminders_plan
from .staff_emails import CLOSED_KIND, ONWARD_KIND, StaffPlan, closed_context, closing_plan, onward_context, onward_plan


def register_kinds() -> None:
    # Optional: followers asked for it and may unsubscribe (the sender adds the one-click headers).
    kinds.register(
        Kind(name="reminder", optional=True, context=reminder_context, contexts=reminder_contexts, title="Reminder")
    )
    kinds.register(
        Kind(
            name="consultation_opened",
            optional=True,
            context=opening_context,
            contexts=opening_contexts,
            title="Consultation opened",
        )
    )
    # Not optional: to the people responsible for the consultation, about their work (staff_emails.py).
    kinds.register(Kind(name=CLOSED_KIND, optional=False, context=closed_context, title="Closing email (to staff)"))
    kinds.register(
        Kind(name=ONWARD_KIND, optional=False, context=onward_context, title="Onward deadline reminder (to staff)")
    )


@dataclass
class DuePlans:
    """What one planning pass did, planner by planner, for `send_due_notifications` to print."""

    openings: list[OpeningPlan]
    reminders: list[OffsetPlan]
    staff: list[StaffPlan]  # closing emails, then onward-deadline reminders

    @property
    def planned(self) -> int:
        plans: list[OpeningPlan | OffsetPlan | StaffPlan] = [*self.openings, *self.reminders, *self.staff]
        return sum(plan.planned for plan in plans)


def due_emails_plan(*, now: datetime.datetime, dry_run: bool = False, counts: bool = True) -> DuePlans:
    """Every planner of the consultation emails due at `now`, in one list. `counts=False` (beat, which keeps only
    `planned`): the recipients are not counted first, and the other counts are left 0."""
    return DuePlans(
        openings=openings_plan(now=now, dry_run=dry_run, counts=counts),
        reminders=reminders_plan(now=now, dry_run=dry_run, counts=counts),
        staff=[
            *closing_plan(now=now, dry_run=dry_run, counts=counts),
            *onward_plan(now=now, dry_run=dry_run, counts=counts),
        ],
    )
