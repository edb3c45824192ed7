"""Outcomes fixtures: a closed consultation owned by a borough, and managers above, beside and elsewhere."""

from types import SimpleNamespace
from typing import Any

import pytest

from accounts import roles
from engagement.models import ManagerScope
from tests.engagement.factories import ConsultationFactory, area_tree
from tests.factories import UserFactory
from tests.functions.factories import FunctionFactory


@pytest.fixture
def scene(db: Any) -> SimpleNamespace:
    top, borough, neighbourhood = area_tree(slug="ncl")
    elsewhere = area_tree(slug="nel")
    consultation = ConsultationFactory(owner_area=borough, system=top.system, closed=True, slug="next-steps")
    function = FunctionFactory(system=top.system, title="Borough estates plan", owner=borough.level)

    def manager(email: str, area: Any) -> Any:
        user = UserFactory(email=email, groups=[roles.CONSULTATION_MANAGER])
        ManagerScope.objects.create(user=user, area=area)
        return user

    return SimpleNamespace(
        consultation=consultation,
        function=function,
        top=top,
        borough=borough,
        neighbourhood=neighbourhood,
        borough_manager=manager("borough.manager@nhs.net", borough),
        system_manager=manager("system.manager@nhs.net", top),
        neighbourhood_manager=manager("neighbourhood.manager@nhs.net", neighbourhood),
        other_manager=manager("other.manager@nhs.net", elsewhere[0]),
    )
