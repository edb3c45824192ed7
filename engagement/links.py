"""Signed links to a response: "save and come back later" (a draft) and "change your response" (a sent one).

One mechanism for both: a TimestampSigner over "<pk>.<reference>", each purpose with its own salt, so a link of one
kind never opens the other. A resume link expires after RESUME_MAX_AGE; a change link works while the consultation
accepts responses (the views check that with the request's `now`), as its deadline may be months off. Used by the
respond views and by the receipt's renderer (services/emails.py), so neither imports the other's module for them.
"""

import datetime

from django.core import signing

from .models import Response

RESUME_SALT = "engagement.response.resume"
RESUME_MAX_AGE = datetime.timedelta(days=7)
CHANGE_SALT = "engagement.response.change"


def _signer(salt: str = RESUME_SALT) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=salt)


def _token_make(*, response: Response, salt: str, now: datetime.datetime | None) -> str:
    signer = _signer(salt)
    payload = f"{response.pk}.{response.reference}"
    if now is None:
        return signer.sign(payload)
    stamped = f"{payload}{signer.sep}{signing.b62_encode(int(now.timestamp()))}"
    return signing.Signer.sign(signer, stamped)


def resume_token_make(*, response: Response, now: datetime.datetime | None = None) -> str:
    """A signed token naming the draft; `now` only to make an old token in tests (defaults to the clock)."""
    return _token_make(response=response, salt=RESUME_SALT, now=now)


def change_token_make(*, response: Response) -> str:
    """A signed token naming a sent response, for its receipt's "change your response" link."""
    return _token_make(response=response, salt=CHANGE_SALT, now=None)


class ResumeLinkError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


def _token_read(*, token: str, salt: str, max_age: datetime.timedelta | None) -> Response:
    try:
        payload = _signer(salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise ResumeLinkError("expired") from None
    except signing.BadSignature:
        raise ResumeLinkError("invalid") from None
    pk, _, reference = payload.partition(".")
    response = (
        Response.objects.select_related("consultation").filter(pk=int(pk), reference=reference).first()
        if pk.isdigit()
        else None
    )
    if response is None:
        raise ResumeLinkError("invalid")
    return response


def resume_token_read(*, token: str, max_age: datetime.timedelta = RESUME_MAX_AGE) -> Response:
    """The draft a resume token names. Raises ResumeLinkError('expired'|'invalid')."""
    return _token_read(token=token, salt=RESUME_SALT, max_age=max_age)


def change_token_read(*, token: str) -> Response:
    """The sent, anonymous response a change link names. Raises ResumeLinkError('invalid') for a forged or
    altered link, or one naming a draft or an account's response (those are changed by signing in)."""
    response = _token_read(token=token, salt=CHANGE_SALT, max_age=None)
    if response.state != Response.State.SUBMITTED or response.user_id is not None:
        raise ResumeLinkError("invalid")
    return response
