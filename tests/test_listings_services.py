"""The listing rules, without HTTP: validation, life cycle, moderation, counters."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.enrollments.models import EnrollmentStatus
from marketplace.exceptions import Conflict, InvalidInput, NotAllowed
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import Category, ServiceMode, ServiceStatus

from .factories import make_user


def _data(**overrides):
    values = dict(title="义务理发(上门)", description="为老人上门理发",
                  category_id=ensure_default_categories()["convenience"].id,
                  community="米市巷社区", mode=ServiceMode.HOME, capacity=2)
    values.update(overrides)
    return listings.ServiceData(**values)


def _open_count(slug="convenience"):
    return db.session.scalar(sa.select(Category.open_service_count).filter_by(slug=slug))


@pytest.fixture
def volunteer():
    return make_user(is_volunteer=True)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": "x"}, "title"),
    ({"description": " "}, "description"),
    ({"category_id": 9999}, "category_id"),
    ({"community": ""}, "community"),
    ({"mode": ServiceMode.PLACE, "place": " "}, "place"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": 10_001}, "capacity"),
    ({"ends_at": utcnow()}, "starts_at"),
    ({"starts_at": utcnow() + timedelta(hours=2), "ends_at": utcnow() + timedelta(hours=1)},
     "ends_at"),
])
def test_each_bad_field_is_named(volunteer, overrides, field):
    with pytest.raises(InvalidInput) as caught:
        listings.create_service(volunteer, _data(**overrides))
    assert caught.value.field == field


def test_only_volunteers_publish():
    with pytest.raises(NotAllowed):
        listings.create_service(make_user(), _data())


def test_life_cycle_and_the_category_counter(volunteer):
    service = listings.create_service(volunteer, _data(), publish=False)
    assert service.status == ServiceStatus.DRAFT and _open_count() == 0
    listings.publish_service(service, volunteer)
    assert service.status == ServiceStatus.PUBLISHED and _open_count() == 1
    listings.pause_service(service, volunteer)
    assert _open_count() == 0
    with pytest.raises(Conflict):
        listings.pause_service(service, volunteer)
    listings.publish_service(service, volunteer)  # reopen
    listings.close_service(service, volunteer)
    assert service.status == ServiceStatus.CLOSED and _open_count() == 0
    with pytest.raises(Conflict):
        listings.publish_service(service, volunteer)
    with pytest.raises(Conflict):
        listings.update_service(service, volunteer, _data(title="新标题"))


def test_only_the_owner_changes_a_service(volunteer):
    service = listings.create_service(volunteer, _data())
    other = make_user(is_volunteer=True)
    for step in (lambda: listings.pause_service(service, other),
                 lambda: listings.close_service(service, other),
                 lambda: listings.update_service(service, other, _data(title="抢来的"))):
        with pytest.raises(NotAllowed):
            step()


def test_capacity_cannot_drop_below_the_places_taken(volunteer):
    service = listings.create_service(volunteer, _data(capacity=2, auto_confirm=True))
    for _ in range(2):
        enrollments.join(service.id, make_user(), "13800000000")
    with pytest.raises(InvalidInput) as caught:
        listings.update_service(service, volunteer, _data(capacity=1))
    assert caught.value.field == "capacity"


def test_more_places_move_the_waitlist_up(volunteer):
    service = listings.create_service(volunteer, _data(capacity=1, auto_confirm=True))
    first = enrollments.join(service.id, make_user(), "13800000000")
    waiting = [enrollments.join(service.id, make_user(), "13800000000") for _ in range(3)]
    assert {e.status for e in waiting} == {EnrollmentStatus.WAITLISTED}
    listings.update_service(service, volunteer, _data(capacity=3, auto_confirm=True))
    assert first.status == EnrollmentStatus.CONFIRMED
    assert [e.status for e in waiting] == [EnrollmentStatus.CONFIRMED, EnrollmentStatus.CONFIRMED,
                                           EnrollmentStatus.WAITLISTED]
    assert (service.taken, service.waitlisted) == (3, 1)
    assert enrollments.waitlist_positions(waiting) == {waiting[2].id: 1}


def test_changing_category_moves_the_open_count(volunteer):
    service = listings.create_service(volunteer, _data())
    health = ensure_default_categories()["health"]
    listings.update_service(service, volunteer, _data(category_id=health.id))
    assert (_open_count("convenience"), _open_count("health")) == (0, 1)


def test_hide_and_unhide_are_audited(volunteer):
    service = listings.create_service(volunteer, _data())
    admin = make_user(is_admin=True)
    with pytest.raises(NotAllowed):
        listings.hide_service(service, volunteer, "广告")
    with pytest.raises(InvalidInput):
        listings.hide_service(service, admin, " ")
    listings.hide_service(service, admin, "含有广告信息")
    assert not listings.is_open(service) and _open_count() == 0
    with pytest.raises(Conflict):
        listings.hide_service(service, admin, "再次下架")
    listings.unhide_service(service, admin)
    assert listings.is_open(service) and _open_count() == 1
    actions = db.session.execute(sa.select(AuditEntry.action, AuditEntry.actor_id, AuditEntry
                                           .details).order_by(AuditEntry.id)).all()
    assert [(a, actor) for a, actor, _ in actions][-2:] == [("service.hide", admin.id),
                                                         ("service.unhide", admin.id)]
    assert actions[-2][2] == {"reason": "含有广告信息"}


def test_recount_matches_the_kept_counters(volunteer):
    for _ in range(3):
        listings.create_service(volunteer, _data())
    listings.create_service(volunteer, _data(), publish=False)
    kept = _open_count()
    db.session.execute(sa.update(Category).values(open_service_count=0))
    listings.recount_open_services()
    assert _open_count() == kept == 3
