"""The portal's user: identified by email address (residents sign in by one-time code, staff via Entra ID)."""

from typing import Any, ClassVar

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True, max_length=254)
    full_name = models.CharField(max_length=200, blank=True)
    is_staff = models.BooleanField("admin site access", default=False, help_text="Can sign in to the Django admin.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class PmoScope(models.Model):
    """Which system's programme office a member of the PMO group is: the group is the role, this is its reach.

    A PMO member sees the summaries, responses, exports and export log of their systems' consultations only.
    An empty system means every system (a portal-wide office, and what existing PMO members were given when
    scopes arrived, so nothing they could see disappeared); only a portal-wide PMO sees the outbox. It lives in
    accounts beside the roles (as ManagerScope does beside managing) because engagement (who gets a closing
    email) and reporting (who sees a report) both read it, and both may import accounts.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pmo_scopes")
    system = models.ForeignKey(
        "governance.System",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: every system.",
    )

    class Meta:
        verbose_name = "PMO scope"
        constraints = [
            models.UniqueConstraint(fields=["user", "system"], name="pmoscope_unique_system"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(system__isnull=True), name="pmoscope_unique_every_system"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is PMO of {self.system or 'every system'}"
