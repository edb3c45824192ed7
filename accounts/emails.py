"""allauth's mail goes through the notifications outbox like every other email: one outbox, one sender.

The adapter (`AccountAdapter.send_mail`) renders allauth's templates as allauth does and queues the result as an
outbox row of the matching kind, registered here (`register_kinds`, from AccountsConfig.ready). Every kind is
urgent and not optional: a sign-in code is sent by the worker after commit, or from the web process at once if
the broker cannot take its task (`ics_portal.celery.publish` gives up after about 1 s, or at once for a few
seconds after a stall), so a code never waits a minute for the sweep. The outbox's claim means the queued task,
the web process and the sweep can never all send it: exactly once, even after a stall. EMAIL_VIA_CELERY=False
sends from the web process always.
"""

from django.core.mail import EmailMessage

from notifications import kinds
from notifications.kinds import Kind, Rendered
from notifications.services import email_queue

TEMPLATE_DIR = "account/email/"
# Every email allauth can send (its templates account/email/<name>_subject.txt).
ALLAUTH_KINDS = (
    "account_already_exists",
    "email_changed",
    "email_confirm",
    "email_confirmation",
    "email_confirmation_signup",
    "email_deleted",
    "login_code",
    "password_changed",
    "password_reset",
    "password_reset_code",
    "password_reset_key",
    "password_set",
    "unknown_account",
)


# Staff pages' words for the kinds whose names do not say it plainly.
TITLES = {"login_code": "Sign-in code", "unknown_account": "Sign-in asked for an address with no account"}


def register_kinds() -> None:
    for name in ALLAUTH_KINDS:
        title = TITLES.get(name, "")
        kinds.register(Kind(name=name, optional=False, urgent=True, templates=TEMPLATE_DIR + name, title=title))


def kind_for(template_prefix: str) -> str:
    """The outbox kind of an allauth template prefix, e.g. 'account/email/login_code' -> 'login_code'."""
    return template_prefix.removeprefix(TEMPLATE_DIR)


def allauth_mail_queue(*, template_prefix: str, message: EmailMessage) -> None:
    """Queue a message allauth rendered (one recipient) as an outbox row."""
    html = next(
        (str(content) for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
    )
    for to in message.to:
        email_queue(
            kind=kind_for(template_prefix),
            to=to,
            rendered=Rendered(subject=str(message.subject), text=str(message.body), html=html),
        )
