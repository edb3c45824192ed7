import pytest

from functions import demo
from governance.models import System

from .factories import NEL_LEVELS, make_system


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
