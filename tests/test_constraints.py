"""Rules the database itself enforces, whatever the code above it does."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from marketplace.branches.models import Membership, MembershipKind, MembershipStatus
from marketplace.db import utcnow
from marketplace.enrollments.models import Enrollment, EnrollmentStatus
from marketplace.extensions import db
from marketplace.hours.models import HourRecord

from .factories import make_branch, make_service, make_user


def _fails(*objects):
    db.session.add_all(objects)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def _enrollment(service, resident, status):
    return Enrollment(service=service, resident=resident, status=status, contact="13800000000")


def test_capacity_must_be_at_least_one():
    make_user()
    with pytest.raises(IntegrityError):
        make_service(capacity=0)
    db.session.rollback()


def test_places_taken_never_exceed_capacity():
    service = make_service(capacity=2)
    service.taken = 3
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_live_enrollment_per_resident_per_service():
    service, resident = make_service(), make_user()
    db.session.add(_enrollment(service, resident, EnrollmentStatus.PENDING))
    db.session.commit()
    _fails(_enrollment(service, resident, EnrollmentStatus.WAITLISTED))


def test_a_resident_may_join_again_after_an_ended_enrollment():
    service, resident = make_service(), make_user()
    db.session.add(_enrollment(service, resident, EnrollmentStatus.CANCELLED))
    db.session.add(_enrollment(service, resident, EnrollmentStatus.COMPLETED))
    db.session.add(_enrollment(service, resident, EnrollmentStatus.CONFIRMED))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 3


def test_status_is_a_checked_value():
    service, resident = make_service(), make_user()
    db.session.add(_enrollment(service, resident, EnrollmentStatus.PENDING))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.text("UPDATE enrollments SET status = 'lost'"))
    db.session.rollback()
    with pytest.raises(StatementError):
        db.session.execute(sa.update(Enrollment).values(status="lost"))
    db.session.rollback()


def test_one_active_home_branch_per_member():
    user, first, second = make_user(), make_branch(), make_branch()
    db.session.add(Membership(user=user, branch=first, membership=MembershipKind.HOME))
    db.session.commit()
    _fails(Membership(user=user, branch=second, membership=MembershipKind.HOME))
    # Moving home: the old one ends and stays as history.
    old = db.session.scalar(sa.select(Membership))
    old.status = MembershipStatus.ENDED
    db.session.add(Membership(user=user, branch=second, membership=MembershipKind.HOME))
    db.session.add(Membership(user=user, branch=first, membership=MembershipKind.FUNCTIONAL))
    db.session.commit()


def _hours(volunteer, branch, minutes, **extra):
    start = utcnow() - timedelta(days=1)
    return HourRecord(volunteer=volunteer, branch=branch, started_at=start,
                      ended_at=start + timedelta(minutes=max(minutes, 1)), minutes=minutes,
                      description="上门打扫", place="米市巷社区", recorded_by_id=volunteer.id,
                      **extra)


@pytest.mark.parametrize("minutes", [0, 45, 1470])
def test_hours_come_in_half_hour_steps_up_to_a_day(minutes):
    volunteer, branch = make_user(), make_branch()
    _fails(_hours(volunteer, branch, minutes))


def test_nobody_reviews_their_own_hours():
    volunteer, branch = make_user(), make_branch()
    _fails(_hours(volunteer, branch, 60, reviewed_by_id=volunteer.id))


def test_a_rejection_has_a_reason():
    volunteer, branch = make_user(), make_branch()
    _fails(_hours(volunteer, branch, 60, status="rejected"))


def test_times_are_timezone_aware_utc():
    user = make_user()
    db.session.expire_all()
    assert user.created_at.utcoffset() == timedelta(0)
    with pytest.raises(StatementError):
        user.last_login_at = utcnow().replace(tzinfo=None)
        db.session.flush()
    db.session.rollback()
