"""Demo accounts, one per role, with verified email addresses so code sign-in works at once."""

import datetime
from typing import TextIO

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from governance.models import System

from . import roles
from .models import PmoScope, User

DEMO_USERS = [
    ("admin@demo.nhs.net", "Demo administrator", None),
    ("staff@demo.nhs.net", "Demo staff member", roles.STAFF),
    ("pmo@demo.nhs.net", "Demo programme office (NCL and NEL)", roles.PMO),
    ("pmo.ncl@demo.nhs.net", "Demo programme office (NCL)", roles.PMO),
    ("pmo.nel@demo.nhs.net", "Demo programme office (NEL)", roles.PMO),
    ("manager.ncl@demo.nhs.net", "Demo consultation manager (NCL)", roles.CONSULTATION_MANAGER),
    ("manager.nel@demo.nhs.net", "Demo consultation manager (NEL)", roles.CONSULTATION_MANAGER),
    ("resident@example.com", "Demo resident", None),
]


# Which demo systems each demo PMO account reaches (by System.slug); pmo@ has both, so the demo shows everything.
DEMO_PMO_SYSTEMS = {
    "pmo@demo.nhs.net": ("ncl", "nel"),
    "pmo.ncl@demo.nhs.net": ("ncl",),
    "pmo.nel@demo.nhs.net": ("nel",),
}


def _pmo_scopes(user: User, email: str) -> None:
    for system in System.objects.filter(slug__in=DEMO_PMO_SYSTEMS.get(email, ())):
        PmoScope.objects.get_or_create(user=user, system=system)


def load(*, now: datetime.datetime, out: TextIO) -> None:
    for email, name, role in DEMO_USERS:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": name})
        if created:
            # No password: everyone signs in with an emailed code (the portal has no password sign-in).
            user.set_unusable_password()
            if role is None and email.startswith("admin@"):
                user.is_staff = user.is_superuser = True
            user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))
        if role == roles.PMO:
            _pmo_scopes(user, email)
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    out.write("Demo accounts (sign in at /accounts/login/code/; the code arrives in var/mail/):\n")
    for email, _name, role in DEMO_USERS:
        out.write(f"  {email:32} {role or ('superuser' if email.startswith('admin@') else 'resident')}\n")
    out.write(
        "  Enter the address, then open the newest file in var/mail/ for the code (the worker sends it in ~1 s).\n"
    )
