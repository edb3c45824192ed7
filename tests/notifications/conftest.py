"""Notifications fixtures: the engagement area tree and its scoped managers, for invite lists and opening emails."""

from tests.engagement.conftest import areas, other_manager, scoped_manager  # noqa: F401 (fixtures)
