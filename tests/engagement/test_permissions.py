"""Consultation managers manage their own areas and everything below; nobody else manages anything."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import roles
from engagement.models import Consultation, ManagerScope
from engagement.permissions import (
    consultation_in_scope,
    manageable_consultations_filter,
    managed_area_ids,
    scope_area_ids,
)
from tests.engagement.factories import ConsultationFactory, area_tree
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():  # type: ignore[no-untyped-def]
    """Two systems: a/top > a/middle > a/bottom and b/top > b/middle > b/bottom."""
    return {"a": area_tree(slug="a"), "b": area_tree(slug="b")}


def _manager(email: str, *areas):  # type: ignore[no-untyped-def]
    user = UserFactory(email=email, groups=[roles.CONSULTATION_MANAGER])
    for area in areas:
        ManagerScope.objects.create(user=user, area=area)
    return user


def test_manager_manages_own_area_and_below_only(tree, staff_user, superuser) -> None:  # type: ignore[no-untyped-def]
    a_top, a_mid, a_bottom = tree["a"]
    b_top, _b_mid, b_bottom = tree["b"]
    mid_manager = _manager("mid@nhs.net", a_mid)
    other_manager = _manager("other@nhs.net", b_top)

    at_top = ConsultationFactory(owner_area=a_top)
    at_mid = ConsultationFactory(owner_area=a_mid)
    at_bottom = ConsultationFactory(owner_area=a_bottom)
    in_b = ConsultationFactory(owner_area=b_bottom)

    perm = "engagement.manage_consultation"
    assert mid_manager.has_perm(perm, at_mid)
    assert mid_manager.has_perm(perm, at_bottom)
    assert not mid_manager.has_perm(perm, at_top)  # above their area
    assert not mid_manager.has_perm(perm, in_b)  # another system
    assert other_manager.has_perm(perm, in_b)
    assert not other_manager.has_perm(perm, at_mid)
    assert not staff_user.has_perm(perm, at_mid)
    assert not AnonymousUser().has_perm(perm, at_mid)
    assert all(superuser.has_perm(perm, c) for c in (at_top, at_mid, at_bottom, in_b))

    assert managed_area_ids(mid_manager) == {a_mid.pk, a_bottom.pk}
    assert set(Consultation.objects.filter(manageable_consultations_filter(mid_manager))) == {at_mid, at_bottom}
    assert set(Consultation.objects.filter(manageable_consultations_filter(staff_user))) == set()
    assert Consultation.objects.filter(manageable_consultations_filter(superuser)).count() == 4


def test_add_and_access_need_role_and_scope(tree, staff_user, manager_user, superuser) -> None:  # type: ignore[no-untyped-def]
    scoped = _manager("scoped@nhs.net", tree["a"][0])
    for perm in ("engagement.add_consultation", "engagement.access_management"):
        assert scoped.has_perm(perm)
        assert superuser.has_perm(perm)
        assert not manager_user.has_perm(perm)  # the role but no area
        assert not staff_user.has_perm(perm)
        assert not AnonymousUser().has_perm(perm)


def test_scope_without_role_grants_nothing(tree) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(email="norole@nhs.net", groups=[roles.STAFF])
    ManagerScope.objects.create(user=user, area=tree["a"][0])
    consultation = ConsultationFactory(owner_area=tree["a"][1])
    assert not user.has_perm("engagement.manage_consultation", consultation)
    assert not user.has_perm("engagement.add_consultation")


def test_manage_area(tree) -> None:  # type: ignore[no-untyped-def]
    a_top, a_mid, a_bottom = tree["a"]
    user = _manager("area@nhs.net", a_mid)
    assert user.has_perm("engagement.manage_area", a_bottom)
    assert user.has_perm("engagement.manage_area", a_mid)
    assert not user.has_perm("engagement.manage_area", a_top)
    assert not user.has_perm("engagement.manage_area", tree["b"][2])


def test_scope_checks_cost_the_same_queries_on_a_deep_tree_as_on_a_shallow_one() -> None:
    """Up (may they manage this consultation?) and down (which areas do they manage?) on four levels and on two."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(ranks: int) -> tuple[int, int]:
        chain = area_tree(slug=f"depth{ranks}", ranks=ranks)
        consultation = ConsultationFactory(owner_area=chain[-1])
        user = _manager(f"depth{ranks}@nhs.net", chain[0])
        scope_area_ids(user)  # read once per request and kept on the user
        with CaptureQueriesContext(connection) as up:
            assert consultation_in_scope(user, consultation)
        with CaptureQueriesContext(connection) as down:
            assert managed_area_ids(user) == {a.pk for a in chain}
        return len(up.captured_queries), len(down.captured_queries)

    assert cost(4) == cost(2)
