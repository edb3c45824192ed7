from django.core.management.base import CommandError

from governance.models import System


def get_system(slug: str) -> System:
    system = System.objects.filter(slug=slug).first()
    if system is None:
        known = ", ".join(System.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
        raise CommandError(f"No system with slug {slug!r}. Known systems: {known}.")
    return system
