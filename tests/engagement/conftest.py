"""Engagement fixtures: an area tree and scoped managers."""

from typing import Any

import pytest

from accounts import roles
from engagement.models import ManagerScope
from tests.engagement.factories import area_tree
from tests.factories import UserFactory


@pytest.fixture
def areas(db: Any) -> dict[str, Any]:
    """Two systems, each top > middle > bottom."""
    return {"a": area_tree(slug="a"), "b": area_tree(slug="b")}


@pytest.fixture
def scoped_manager(areas: dict[str, Any]) -> Any:
    """A consultation manager of system a's middle area (so also its bottom area)."""
    user = UserFactory(email="scoped.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=user, area=areas["a"][1])
    return user


@pytest.fixture
def other_manager(areas: dict[str, Any]) -> Any:
    user = UserFactory(email="other.manager@nhs.net", groups=[roles.CONSULTATION_MANAGER])
    ManagerScope.objects.create(user=user, area=areas["b"][0])
    return user


@pytest.fixture(autouse=True)
def _empty_responding_cache() -> Any:
    """The per-worker consultation cache (off in tests unless a test turns it on) starts and ends empty."""
    from engagement.selectors import responses

    responses._responding_cache.clear()
    yield
    responses._responding_cache.clear()
