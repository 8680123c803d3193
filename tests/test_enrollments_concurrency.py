"""Capacity holds under concurrency: many residents press "加入该项目" at
the same moment, through the app, on the real database (SQLite: immediate
transactions; PostgreSQL: the service row locked FOR UPDATE)."""

from collections import Counter

import sqlalchemy as sa

from marketplace.enrollments.models import Enrollment
from marketplace.enrollments.models import EnrollmentStatus as S
from marketplace.enrollments.services import waitlist_positions
from marketplace.extensions import db
from marketplace.listings.models import Service

from .concurrency import run_at_once
from .factories import make_service, make_user

JOINERS = 50
PLACES = 10


def _by_status(service_id):
    enrollments = list(db.session.scalars(
        sa.select(Enrollment).filter_by(service_id=service_id).order_by(Enrollment.id)))
    return enrollments, Counter(e.status for e in enrollments)


def test_concurrent_joins_never_overfill_and_the_waitlist_has_no_gaps(app):
    service = make_service(volunteer=make_user(is_volunteer=True), capacity=PLACES)
    residents = [make_user(commit=False) for _ in range(JOINERS)]
    db.session.commit()
    path = f"/services/{service.id}/join"

    statuses = run_at_once(app, [(r.get_id(), path, {"contact": "13800000000"})
                                  for r in residents])
    assert statuses == [302] * JOINERS

    db.session.rollback()  # end this test's own snapshot: see what the threads committed
    enrollments, counts = _by_status(service.id)
    assert len(enrollments) == JOINERS
    assert counts[S.PENDING] == PLACES and counts[S.WAITLISTED] == JOINERS - PLACES
    waiting = [e for e in enrollments if e.status == S.WAITLISTED]
    assert sorted(waitlist_positions(waiting).values()) == list(range(1, JOINERS - PLACES + 1))
    service = db.session.get(Service, service.id)
    assert (service.taken, service.waitlisted) == (PLACES, JOINERS - PLACES)

    # Now five holders and five waiting residents cancel at the same moment.
    holders = [e for e in enrollments if e.status == S.PENDING][:5]
    quitters = holders + waiting[:5]
    statuses = run_at_once(app, [(e.resident.get_id(), f"/enrollments/{e.id}/cancel", {})
                                  for e in quitters])
    assert statuses == [302] * len(quitters)

    db.session.rollback()  # end this test's own snapshot: see what the threads committed
    enrollments, counts = _by_status(service.id)
    assert counts[S.PENDING] == PLACES and counts[S.CANCELLED] == 10
    still_waiting = [e for e in enrollments if e.status == S.WAITLISTED]
    assert len(still_waiting) == JOINERS - PLACES - 10
    assert sorted(waitlist_positions(still_waiting).values()) == list(
        range(1, len(still_waiting) + 1))
    # The five promoted are the five who had waited longest and did not quit.
    promoted = waiting[5:10]
    assert {e.status for e in promoted} == {S.PENDING}
    service = db.session.get(Service, service.id)
    assert (service.taken, service.waitlisted) == (PLACES, len(still_waiting))
