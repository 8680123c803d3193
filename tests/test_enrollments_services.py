"""The enrollment rules, without HTTP: places, waitlist, promotion, feedback."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.enrollments.models import EnrollmentStatus as S
from marketplace.exceptions import Conflict, InvalidInput, NotAllowed
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import ServiceStatus
from marketplace.notifications.models import Notification

from .factories import make_service, make_user

PHONE = "13912345678"


@pytest.fixture
def volunteer():
    return make_user(is_volunteer=True)


def _join(service, resident=None, **kw):
    return enrollments.join(service.id, resident or make_user(), kw.pop("contact", PHONE), **kw)


def _kinds(user):
    return list(db.session.scalars(sa.select(Notification.kind).filter_by(user_id=user.id)
                                   .order_by(Notification.id)))


def test_join_holds_a_place_pending_or_confirmed(volunteer):
    manual = make_service(volunteer=volunteer, capacity=2)
    auto = make_service(volunteer=volunteer, capacity=2, auto_confirm=True)
    resident = make_user()
    assert _join(manual, resident).status == S.PENDING
    assert _join(auto, resident).status == S.CONFIRMED
    assert (manual.taken, auto.taken) == (1, 1)
    assert _kinds(volunteer) == ["enrollment.joined", "enrollment.joined"]
    assert _kinds(resident) == ["enrollment.confirmed"]


def test_full_service_waitlists_in_order_and_a_cancel_promotes(volunteer):
    service = make_service(volunteer=volunteer, capacity=2, auto_confirm=True)
    holders = [_join(service) for _ in range(2)]
    waiting = [_join(service) for _ in range(3)]
    assert [w.status for w in waiting] == [S.WAITLISTED] * 3
    assert enrollments.waitlist_positions(waiting) == {w.id: i for i, w in enumerate(waiting, 1)}

    enrollments.cancel(holders[0], holders[0].resident)
    assert holders[0].status == S.CANCELLED
    assert waiting[0].status == S.CONFIRMED
    assert "enrollment.promoted" in _kinds(waiting[0].resident)
    # positions close up
    assert enrollments.waitlist_positions(waiting) == {waiting[1].id: 1, waiting[2].id: 2}
    assert (service.taken, service.waitlisted) == (2, 2)


def test_a_waitlisted_cancel_frees_no_place(volunteer):
    service = make_service(volunteer=volunteer, capacity=1)
    _join(service)
    first, second = _join(service), _join(service)
    enrollments.cancel(first, first.resident)
    assert (service.taken, service.waitlisted) == (1, 1)
    assert enrollments.waitlist_positions([second]) == {second.id: 1}


def test_decline_promotes_too(volunteer):
    service = make_service(volunteer=volunteer, capacity=1)
    held, waiting = _join(service), _join(service)
    enrollments.decline(held, volunteer)
    assert held.status == S.DECLINED and waiting.status == S.PENDING
    assert "enrollment.declined" in _kinds(held.resident)


def test_one_live_enrollment_per_resident(volunteer):
    service, resident = make_service(volunteer=volunteer), make_user()
    first = _join(service, resident)
    with pytest.raises(Conflict):
        _join(service, resident)
    enrollments.cancel(first, resident)
    assert _join(service, resident).status == S.PENDING  # may join again after cancelling


def test_nobody_joins_their_own_service(volunteer):
    with pytest.raises(NotAllowed):
        _join(make_service(volunteer=volunteer), volunteer)


@pytest.mark.parametrize("state", ["draft", "paused", "closed", "hidden", "ended"])
def test_only_open_services_take_joins(volunteer, state):
    service = make_service(volunteer=volunteer)
    if state == "hidden":
        service.hidden_at = utcnow()
    elif state == "ended":
        service.starts_at = utcnow() - timedelta(days=2)
        service.ends_at = utcnow() - timedelta(days=1)
    else:
        service.status = ServiceStatus(state)
    db.session.commit()
    with pytest.raises(Conflict):
        _join(service)
    assert service.taken == 0


@pytest.mark.parametrize("contact", ["", "abc", "12", "x" * 201])
def test_contact_must_be_reachable(volunteer, contact):
    with pytest.raises(InvalidInput) as caught:
        _join(make_service(volunteer=volunteer), contact=contact)
    assert caught.value.field == "contact"


def test_only_the_volunteer_confirms_and_only_the_resident_cancels(volunteer):
    service = make_service(volunteer=volunteer)
    enrollment = _join(service)
    stranger = make_user(is_volunteer=True)
    for step in (lambda: enrollments.confirm(enrollment, stranger),
                 lambda: enrollments.decline(enrollment, enrollment.resident),
                 lambda: enrollments.complete(enrollment, stranger),
                 lambda: enrollments.cancel(enrollment, volunteer)):
        with pytest.raises(NotAllowed):
            step()
    enrollments.confirm(enrollment, volunteer)
    assert enrollment.status == S.CONFIRMED
    with pytest.raises(Conflict):
        enrollments.confirm(enrollment, volunteer)


def test_completion_frees_the_place_for_an_open_offer(volunteer):
    service = make_service(volunteer=volunteer, capacity=1, auto_confirm=True,
                           starts_at=None, ends_at=None)
    served, waiting = _join(service), _join(service)
    enrollments.complete(served, volunteer)
    assert served.status == S.COMPLETED and service.completed_count == 1
    assert waiting.status == S.CONFIRMED


def test_no_show_needs_a_confirmed_place(volunteer):
    service = make_service(volunteer=volunteer)
    enrollment = _join(service)
    with pytest.raises(Conflict):
        enrollments.no_show(enrollment, volunteer)
    enrollments.confirm(enrollment, volunteer)
    enrollments.no_show(enrollment, volunteer)
    assert enrollment.status == S.NO_SHOW and service.taken == 0


def test_rating_once_after_completion(volunteer):
    service = make_service(volunteer=volunteer, auto_confirm=True)
    enrollment = _join(service)
    resident = enrollment.resident
    with pytest.raises(Conflict):
        enrollments.rate(enrollment, resident, 5, "很好")
    enrollments.complete(enrollment, volunteer)
    with pytest.raises(NotAllowed):
        enrollments.rate(enrollment, volunteer, 5, "自己给自己好评")
    with pytest.raises(InvalidInput):
        enrollments.rate(enrollment, resident, 6, None)
    feedback = enrollments.rate(enrollment, resident, 4, "师傅很耐心")
    assert (feedback.volunteer_id, feedback.rating) == (volunteer.id, 4)
    assert (service.rating_count, service.rating_sum) == (1, 4)
    assert enrollment.resident_confirmed_at is not None
    with pytest.raises(Conflict):
        enrollments.rate(enrollment, resident, 5, None)


def test_resident_confirms_it_happened_once(volunteer):
    service = make_service(volunteer=volunteer, auto_confirm=True)
    enrollment = _join(service)
    with pytest.raises(Conflict):
        enrollments.confirm_happened(enrollment, enrollment.resident)
    enrollments.complete(enrollment, volunteer)
    enrollments.confirm_happened(enrollment, enrollment.resident)
    with pytest.raises(Conflict):
        enrollments.confirm_happened(enrollment, enrollment.resident)


def test_closing_lets_the_waiting_go_and_calling_off_everyone(volunteer):
    service = make_service(volunteer=volunteer, capacity=1)
    pending, waiting = _join(service), _join(service)
    listings.close_service(service, volunteer)
    assert (pending.status, waiting.status) == (S.DECLINED, S.DECLINED)
    assert "service.cancelled" in _kinds(waiting.resident)
    assert (service.taken, service.waitlisted) == (0, 0)

    other = make_service(volunteer=volunteer, capacity=1, auto_confirm=True)
    confirmed = _join(other)
    listings.close_service(other, volunteer)
    assert confirmed.status == S.CONFIRMED  # still to be served
    third = make_service(volunteer=volunteer, capacity=1, auto_confirm=True)
    called_off = _join(third)
    listings.close_service(third, volunteer, call_off=True)
    assert called_off.status == S.DECLINED and third.taken == 0
