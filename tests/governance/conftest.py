import io

import pytest
from django.utils import timezone

from governance import demo


@pytest.fixture
def demo_structure(db):
    """NCL and NEL as seed_demo loads them."""
    out = io.StringIO()
    demo.load(now=timezone.now(), out=out)
    return out.getvalue()
