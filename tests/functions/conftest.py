import pytest

from functions import demo, views
from governance.models import System

from .factories import NEL_LEVELS, make_system


@pytest.fixture(autouse=True)
def _read_revision_every_request(settings):
    """The grid normally reads the matrix revision at most once a second; tests change data and look at once."""
    settings.FUNCTIONS_REVISION_SECONDS = 0
    # Each test's transaction rolls the revision back, so numbers recur with other data: start each test empty.
    views._grid_cache.clear()
    views._revision_state.update(checked=-1e9, value=None)


@pytest.fixture
def ncl(db) -> System:
    return make_system()


@pytest.fixture
def nel(db) -> System:
    return make_system("nel", "North East London", NEL_LEVELS)


@pytest.fixture
def seeded(ncl) -> System:
    """NCL with the shipped seed matrix loaded through functions.demo."""
    import io

    from django.utils import timezone

    demo.load(now=timezone.now(), out=io.StringIO())
    return ncl
