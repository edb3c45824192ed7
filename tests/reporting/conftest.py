import pytest

from accounts import roles
from tests.engagement.factories import AreaFactory, ConsultationFactory, LevelFactory, ManagerScopeFactory
from tests.factories import UserFactory
from tests.governance.factories import SystemFactory


class Boroughs:
    """An ICS with two boroughs; a consultation owned by each and one owned by the ICS; a manager of each."""

    def __init__(self) -> None:
        system = SystemFactory(slug="ncl", name="North Central London", short_name="NCL")
        self.ics = AreaFactory(system=system, level=LevelFactory(system=system, rank=3), name="NCL", slug="ncl-ics")
        self.barnet = AreaFactory(parent=self.ics, name="Barnet", slug="barnet")
        self.camden = AreaFactory(parent=self.ics, name="Camden", slug="camden")
        self.barnet_c = ConsultationFactory(owner_area=self.barnet, title="Barnet plan", slug="barnet-plan")
        self.camden_c = ConsultationFactory(owner_area=self.camden, title="Camden plan", slug="camden-plan")
        self.ics_c = ConsultationFactory(owner_area=self.ics, title="NCL plan", slug="ncl-plan")
        self.barnet_manager = manager("barnet.manager@nhs.net", self.barnet)
        self.camden_manager = manager("camden.manager@nhs.net", self.camden)
        self.ics_manager = manager("ics.manager@nhs.net", self.ics)


def manager(email: str, area):
    user = UserFactory(email=email, groups=[roles.CONSULTATION_MANAGER])
    ManagerScopeFactory(user=user, area=area)
    return user


@pytest.fixture
def boroughs(db) -> Boroughs:
    return Boroughs()
