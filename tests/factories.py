"""factory_boy factories shared by every test module. Each app adds its own below its heading."""

from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import PmoScope, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name", locale="en_GB")

    @factory.post_generation
    def groups(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            for name in extracted:
                # get_or_create: transactional (browser) tests flush the groups the roles migration made.
                self.groups.add(Group.objects.get_or_create(name=name)[0])

    @factory.post_generation
    def pmo_systems(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """A PMO member's reach: `pmo_systems=[system, ...]`, or by default every system (as the PMO was before
        scopes, which the older tests expect)."""
        if create and self.groups.filter(name=roles.PMO).exists():
            for system in [None] if extracted is None else extracted:
                PmoScope.objects.get_or_create(user=self, system=system)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )
