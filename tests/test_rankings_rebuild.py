"""The running totals equal a fresh computation from the ledger (the proof
they are right), and `flask stats rebuild` / `flask stats check`."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.enrollments import services as enrollments
from marketplace.extensions import db
from marketplace.help import services as help_requests
from marketplace.hours import services as hours
from marketplace.listings import services as listings
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import ServiceMode
from marketplace.localtime import local_to_utc
from marketplace.rankings import rebuild
from marketplace.rankings.models import BranchPeriodStat, DistrictPeriodStat, MemberPeriodStat

from .factories import make_user
from .rankings_helpers import approved, branch_with_lead, committee, member, table_rows


def _service(volunteer, category="convenience"):
    category_id = ensure_default_categories()[category].id
    return listings.create_service(volunteer, listings.ServiceData(
        title="义务理发", description="为老人上门理发", community="米市巷社区",
        category_id=category_id, mode=ServiceMode.HOME, capacity=5, auto_confirm=True))


def _completed_enrollment(volunteer, resident, category="convenience"):
    service = _service(volunteer, category)
    enrollment = enrollments.join(service.id, resident, "13800000000")
    enrollments.complete(enrollment, volunteer)
    return enrollment


@pytest.fixture
def busy_district():
    """Two branches under a committee, with every kind of change that the
    running totals follow: approvals, a rejection, a correction (reversal),
    ratings before and after approval, a confirmed visit, a help request,
    a publication, and records on month, quarter and year boundaries."""
    parent = committee()
    east, east_lead = branch_with_lead("东园党支部", parent)
    west, west_lead = branch_with_lead("西园党支部", parent)
    ann, bob = member(east), member(east)
    cat = member(west)
    resident = make_user()
    db.session.commit()

    approved(ann, east, east_lead, datetime(2026, 3, 31, 22, 30), length=1)  # March, Q1
    approved(ann, east, east_lead, datetime(2026, 4, 1, 0, 0), length=2)  # April, Q2
    approved(bob, east, east_lead, datetime(2025, 12, 31, 22, 0), length=1.5)  # 2025
    approved(cat, west, west_lead, datetime(2026, 1, 1, 0, 0), length=3)  # 2026

    # A rating after approval (on_feedback), and one before (counted at approval).
    rated_late = _completed_enrollment(ann, resident)
    approved(ann, east, east_lead, datetime(2026, 5, 2, 9), enrollment_id=rated_late.id)
    enrollments.rate(rated_late, resident, 5, "很好")
    rated_early = _completed_enrollment(cat, resident, "environment")
    enrollments.rate(rated_early, resident, 2, None)
    approved(cat, west, west_lead, datetime(2026, 5, 3, 9), enrollment_id=rated_early.id)

    # A correction: the old record's figures and rating are taken back.
    corrected_visit = _completed_enrollment(bob, resident)
    original = approved(bob, east, east_lead, datetime(2026, 6, 5, 9), length=3,
                        enrollment_id=corrected_visit.id)
    enrollments.rate(corrected_visit, resident, 4, None)
    start = local_to_utc(datetime(2026, 7, 5, 9))
    correction = hours.correct_record(original, bob, hours.HourData(
        branch_id=east.id, started_at=start, ended_at=start + timedelta(hours=2),
        description="上门打扫", place="米市巷社区"))
    hours.approve(correction, east_lead)

    # A help request served, a rejected record and a submitted one count nothing.
    request = help_requests.post_request(resident, help_requests.HelpRequestData(
        title="换灯泡", details="厨房灯泡坏了", category_id=ensure_default_categories()[
            "convenience"].id, community="米市巷社区", contact="13800000000"))
    offer = help_requests.offer_help(request, cat, "我来")
    help_requests.accept_offer(offer, resident)
    approved(cat, west, west_lead, datetime(2026, 8, 1, 9), help_request_id=request.id)
    start = local_to_utc(datetime(2026, 8, 2, 9))
    rejected = hours.record_hours(cat, hours.HourData(
        branch_id=west.id, started_at=start, ended_at=start + timedelta(hours=1),
        description="上门打扫", place="米市巷社区"))
    hours.reject(rejected, west_lead, "没有这次活动")
    hours.record_hours(cat, hours.HourData(
        branch_id=west.id, started_at=start + timedelta(hours=2),
        ended_at=start + timedelta(hours=3), description="上门打扫", place="米市巷社区"))
    db.session.commit()
    return {"east": east, "west": west, "ann": ann, "bob": bob, "cat": cat}


def test_running_totals_equal_a_rebuild(busy_district):
    kept = table_rows()
    assert rebuild.differences() == []
    assert kept["branch_period_stats"]  # the scenario did count something
    written = rebuild.rebuild()
    db.session.commit()
    assert table_rows() == kept
    assert written["member_period_stats"] >= len(kept["member_period_stats"])


def test_what_the_tables_hold_after_the_scenario(busy_district):
    east, west = busy_district["east"], busy_district["west"]
    row = db.session.get(BranchPeriodStat, ("2026", east.id))
    # ann 1 + 2 + 1 h, bob's corrected 3 h replaced by 2 h (bob's 2025 record is in 2025)
    assert (row.minutes, row.records, row.active_members) == (360, 4, 2)
    assert (row.residents_served, row.rating_sum, row.rating_count) == (1, 5, 1)
    june = db.session.get(BranchPeriodStat, ("2026-06", east.id))
    assert (june.minutes, june.records, june.rating_count, june.active_members) == (0, 0, 0, 0)
    west_year = db.session.get(BranchPeriodStat, ("2026", west.id))
    assert (west_year.minutes, west_year.residents_served, west_year.rating_sum) == (300, 2, 2)
    assert db.session.get(MemberPeriodStat, ("2025", east.id, busy_district["bob"].id)).minutes \
        == 90
    other_work = db.session.get(DistrictPeriodStat, ("2026", 0))
    assert (other_work.minutes, other_work.records) == (60 + 120 + 120 + 180, 4)


def test_check_passes_then_fails_on_a_tampered_table_and_rebuild_mends_it(busy_district,
                                                                         runner):
    result = runner.invoke(args=["stats", "check"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output
    east = busy_district["east"]
    db.session.execute(sa.update(BranchPeriodStat).where(
        BranchPeriodStat.branch_id == east.id, BranchPeriodStat.period == "2026")
        .values(minutes=BranchPeriodStat.minutes + 30))
    db.session.commit()

    result = runner.invoke(args=["stats", "check"])
    assert result.exit_code == 1
    assert "branch_period_stats: 1 rows differ" in result.output
    assert "member_period_stats" not in result.output

    result = runner.invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Summary tables rebuilt." in result.output
    db.session.expire_all()
    assert db.session.get(BranchPeriodStat, ("2026", east.id)).minutes == 360
    assert runner.invoke(args=["stats", "check"]).exit_code == 0


@pytest.mark.parametrize("tamper", ["delete_member_row", "extra_district_row"])
def test_check_sees_missing_and_extra_rows(busy_district, runner, tamper):
    if tamper == "delete_member_row":
        db.session.execute(sa.delete(MemberPeriodStat).where(
            MemberPeriodStat.user_id == busy_district["ann"].id,
            MemberPeriodStat.period == "2026-04"))
    else:
        db.session.add(DistrictPeriodStat(period="2019", category_id=0, minutes=60, records=1,
                                          residents_served=0, services_published=0))
    db.session.commit()
    result = runner.invoke(args=["stats", "check"])
    assert result.exit_code == 1
    table = "member_period_stats" if tamper == "delete_member_row" else "district_period_stats"
    assert table in result.output


def test_a_rebuild_of_an_empty_ledger_empties_the_tables(runner):
    db.session.add(BranchPeriodStat(period="2026", branch_id=committee().id, minutes=60))
    db.session.commit()
    assert runner.invoke(args=["stats", "check"]).exit_code == 1
    result = runner.invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "branch_period_stats: 0 rows" in result.output
    assert table_rows() == {"member_period_stats": set(), "branch_period_stats": set(),
                            "district_period_stats": set()}


def test_a_recategorised_service_moves_its_figures(busy_district):
    """Changing a service's category through the listing rule moves its
    publication and the hours that served it: the public figures by
    category keep agreeing with a rebuild."""
    from marketplace.enrollments.models import Enrollment
    from marketplace.listings import services as listings

    service = db.session.scalar(sa.select(Enrollment)).service
    legal = ensure_default_categories()["legal"].id
    assert service.category_id != legal
    listings.update_service(service, service.volunteer, listings.ServiceData(
        title=service.title, description=service.description, category_id=legal,
        community=service.community, mode=service.mode, capacity=service.capacity,
        auto_confirm=service.auto_confirm, place=service.place,
        starts_at=service.starts_at, ends_at=service.ends_at))
    db.session.flush()
    assert service.category_id == legal
    assert rebuild.differences() == []
