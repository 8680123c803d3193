"""The branch dashboard for leads and the CSV export of a branch's records.

Records are made at real past times through the hour rules; the dashboard's
"now" (rankings.periods.utcnow) is set to the evening of the day they were
made, so "this month" is theirs whatever day the tests run on.
"""

import csv
import io
import json
import re
from datetime import date, datetime, time, timedelta
from urllib.parse import quote

import pytest

from marketplace.branches import services as branches
from marketplace.branches.models import BranchKind, MembershipKind, MembershipRole
from marketplace.dashboards import queries
from marketplace.dashboards.export import check_range
from marketplace.db import utcnow
from marketplace.enrollments import services as enrollments
from marketplace.exceptions import InvalidInput
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.listings.categories import ensure_default_categories
from marketplace.localtime import local_to_utc, utc_to_local
from marketplace.rankings import periods
from marketplace.rankings.periods import MONTH, QUARTER, current, month_key, quarter_key
from marketplace.rankings.totals import NO_CATEGORY

from .factories import make_branch, make_lead, make_service, make_user
from .page_helpers import text


@pytest.fixture
def branch():
    return make_branch("米市巷第一党支部")


@pytest.fixture
def lead(branch):
    return make_lead(branch, display_name="周书记")


@pytest.fixture
def day():
    """The local day the records are made on: two days ago."""
    return utc_to_local(utcnow()).date() - timedelta(days=2)


@pytest.fixture
def clock(monkeypatch, day):
    """The dashboard's now: 23:00 local time on `day`."""
    moment = _at(day, 23)
    monkeypatch.setattr(periods, "utcnow", lambda: moment)
    return moment


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(datetime.combine(day, time(hour, minute)))


def _member(branch, name):
    user = make_user(is_volunteer=True, display_name=name, commit=False)
    branches.add_member(branch, user, MembershipKind.HOME)
    db.session.commit()
    return user


def _record(volunteer, branch, start, length=1.0, **extra):
    values = dict(description="上门打扫", place="米市巷社区")
    values.update(extra)
    return hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=length),
        **values))


def _english(user):
    user.locale = "en"
    db.session.commit()
    return user


def _chart_data(page: str) -> dict:
    block = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>',
                      page, re.S)
    return json.loads(block.group(1))


# -- the figures --------------------------------------------------------------------

def test_the_figures_follow_the_approvals(client_for, branch, lead, day, clock):
    wang, li, zhao = (_member(branch, name) for name in ("王建国", "李秀英", "赵敏"))
    earlier_day = day - timedelta(days=40)  # always another month
    approved = [_record(wang, branch, _at(day, 8), 2), _record(wang, branch, _at(day, 11), 1.5),
                _record(li, branch, _at(day, 9), 1), _record(li, branch, _at(earlier_day, 9), 3)]
    _record(zhao, branch, _at(day, 14), 1)  # waits for review
    rejected = _record(zhao, branch, _at(day, 8), 2)
    for record in approved:
        hours.approve(record, lead)
    hours.reject(rejected, lead, "时间登记有误")
    db.session.commit()

    figures = queries.overview(branch.id)
    assert figures.this_month.period.key == month_key(day)
    assert (figures.this_month.minutes, figures.this_month.records,
            figures.this_month.active_members) == (270, 3, 2)
    by_month = {m.period.key: m.minutes for m in figures.months}
    assert len(by_month) == 12 and list(by_month)[-1] == month_key(day)
    assert by_month[month_key(earlier_day)] == 180 and sum(by_month.values()) == 450
    same_quarter = quarter_key(earlier_day) == quarter_key(day)
    assert figures.this_quarter.minutes == 270 + (180 if same_quarter else 0)
    assert figures.this_quarter.active_members == 2
    assert queries.pending_reviews(branch.id) == 1
    assert [(m.name, m.minutes) for m in queries.top_members(branch.id, current(MONTH))] == [
        ("王建国", 210), ("李秀英", 60)]
    assert [m.name for m in queries.top_members(branch.id, current(QUARTER))] == (
        ["李秀英", "王建国"] if same_quarter else ["王建国", "李秀英"])
    rhythm = figures.rhythm
    assert len(rhythm.months) == day.month
    assert rhythm.active_months == len({d.month for d in (day, earlier_day) if d.year == day.year})

    page = text(client_for(lead).get(f"/branches/{branch.id}/dashboard"))
    assert 'data-figure="month-hours">4.5<' in page
    assert 'data-figure="month-active">2 / 4<' in page  # the lead is a member too
    assert 'data-figure="pending">1<' in page
    top = page[page.index('id="top-month"'):]
    assert top.index("王建国") < top.index("李秀英") and "赵敏" not in top[:top.index("</ol>")]
    chart = _chart_data(page)
    assert chart["months"]["hours"][-1] == 4.5 and sum(chart["months"]["hours"]) == 7.5
    assert f'href="/branches/{branch.id}/review"' in page


def test_a_new_branch_shows_zeros(client_for, branch, lead, clock):
    page = text(client_for(lead).get(f"/branches/{branch.id}/dashboard"))
    assert 'data-figure="month-hours">0.0<' in page
    assert 'data-figure="month-active">0 / 1<' in page
    assert 'data-figure="pending">0<' in page
    assert _chart_data(page)["categories"]["hours"] == []


def test_hours_by_category_count_only_what_counts(client_for, branch, lead, day, clock):
    wang = _member(branch, "王建国")
    service = make_service(volunteer=wang, auto_confirm=True, starts_at=None, ends_at=None)
    enrollment = enrollments.join(service.id, make_user(display_name="刘奶奶"), "13800000000")
    enrollments.complete(enrollment, wang)
    served = _record(wang, branch, _at(day, 8), 1, enrollment_id=enrollment.id)
    other = _record(wang, branch, _at(day, 10), 2)
    hours.approve(served, lead)
    hours.approve(other, lead)
    correction = hours.correct_record(other, wang, hours.HourData(
        branch_id=branch.id, started_at=_at(day, 10), ended_at=_at(day, 11, 30),
        description="上门打扫", place="米市巷社区"))
    hours.approve(correction, lead)  # the 2 h record no longer counts, its 1.5 h do
    _record(wang, branch, _at(day, 14), 1)  # not reviewed: not counted
    db.session.commit()

    convenience = ensure_default_categories()["convenience"]
    figures = queries.hours_by_category(branch.id, current(MONTH))
    assert [(f.category_id, f.minutes, f.records) for f in figures] == [
        (NO_CATEGORY, 90, 1), (convenience.id, 60, 1)]
    # The same total as the summary table the approvals keep.
    assert sum(f.minutes for f in figures) == queries.overview(branch.id).this_month.minutes

    client = client_for(_english(lead))
    page = text(client.get(f"/branches/{branch.id}/dashboard?period=month"))
    table = page[page.index('id="table-categories"'):]
    assert table.index("Other volunteer work") < table.index("Everyday convenience")
    assert _chart_data(page)["categories"] == {
        "labels": ["Other volunteer work", "Everyday convenience"], "hours": [1.5, 1.0],
        "title": "Approved hours"}
    year = text(client.get(f"/branches/{branch.id}/dashboard?period=year"))
    assert _chart_data(year)["categories"]["hours"] == [1.5, 1.0]
    assert 'aria-current="page">This year<' in year
    # Anything else is this quarter.
    assert 'aria-current="page">This quarter<' in text(
        client.get(f"/branches/{branch.id}/dashboard?period=1999"))


def test_a_period_before_the_records_has_no_categories(branch, lead, day, clock):
    wang = _member(branch, "王建国")
    hours.approve(_record(wang, branch, _at(day, 8), 1), lead)
    db.session.commit()
    last_month = current(MONTH).shifted(-1)
    assert queries.hours_by_category(branch.id, last_month) == []


def test_the_page_works_without_scripts_and_runs_none_inline(client_for, branch, lead, clock):
    page = text(client_for(lead).get(f"/branches/{branch.id}/dashboard"))
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    inline = [attrs for attrs, body in scripts
              if body.strip() and 'type="application/json"' not in attrs]
    assert inline == []
    assert "/static/vendor/chartjs/chart.umd.min.js" in page
    assert "/branches/dashboards/static/dashboard.js" in page
    assert 'id="table-months"' in page and page.count("<tr><th scope=\"row\">") >= 12
    assert 'class="chart-box" hidden' in page  # shown by the script only
    assert client_for(lead).get("/branches/dashboards/static/dashboard.js").status_code == 200


# -- who may see it --------------------------------------------------------------------

@pytest.fixture
def tree():
    committee = make_branch("米市巷社区党委", BranchKind.COMMITTEE)
    branch = make_branch("米市巷第二党支部", parent=committee)
    sibling = make_branch("米市巷第三党支部", parent=committee)
    return committee, branch, sibling


def _role(name, tree):
    committee, branch, sibling = tree
    if name == "admin":
        return make_user(is_admin=True)
    if name == "lead":
        return make_lead(branch)
    if name == "committee lead":
        return make_lead(committee)
    if name == "lead of another branch":
        return make_lead(make_branch())
    if name == "lead of a sibling branch":
        return make_lead(sibling)
    if name == "member":
        return _member(branch, "王建国")
    return make_user()  # a resident


@pytest.mark.parametrize("path", ["dashboard", "hours.csv?start=2026-01-01&end=2026-01-31"])
@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("lead", 200), ("committee lead", 200), ("lead of another branch", 403),
    ("lead of a sibling branch", 403), ("member", 403), ("resident", 403)])
def test_who_may_see_a_branch(client_for, tree, path, role, status):
    user = _role(role, tree)
    response = client_for(user).get(f"/branches/{tree[1].id}/{path}")
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == ("text/csv" if path.startswith("hours") else "text/html")


def test_a_branch_lead_does_not_see_the_committee_above(client_for, tree):
    committee, branch, _ = tree
    assert client_for(make_lead(branch)).get(
        f"/branches/{committee.id}/dashboard").status_code == 403


@pytest.mark.parametrize("path", ["dashboard", "hours.csv?start=2026-01-01&end=2026-01-31"])
def test_anonymous_is_sent_to_log_in_and_an_unknown_branch_is_404(client_for, branch, lead,
                                                                  path):
    response = client_for().get(f"/branches/{branch.id}/{path}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client_for(lead).get(f"/branches/{branch.id + 999}/{path}").status_code == 404


# -- the CSV export ---------------------------------------------------------------------

def _rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8")[1:], newline="")))


def test_the_export_holds_the_records_of_the_range(client_for, branch, lead, day, clock):
    wang, li = _member(branch, "王建国"), _member(branch, "李秀英")
    first = day - timedelta(days=5)
    before = _record(wang, branch, _at(first - timedelta(days=1), 23, 30), 0.5)  # ends 00:00
    at_start = _record(wang, branch, _at(first, 0), 1, description="=cmd()",
                       place="@活动室")
    hours.approve(at_start, lead)
    pending = _record(li, branch, _at(day, 9), 2, description="为刘奶奶理发,清洗油烟机",
                      place="米市巷社区 3 幢")
    after = _record(li, branch, _at(day + timedelta(days=1), 8), 1)
    db.session.commit()

    response = client_for(_english(lead)).get(
        f"/branches/{branch.id}/hours.csv?start={first}&end={day}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert f'filename="branch-{branch.id}-hours-{first}-{day}.csv"' in disposition
    assert "filename*=UTF-8''" + quote(f"米市巷第一党支部-{branch.id}-hours-{first}-{day}.csv",
                                        safe="") in disposition
    header, *rows = _rows(response)
    assert header == ["Record no.", "Volunteer", "Date", "Start", "End", "Hours", "Status",
                      "What was done", "Place", "What it served", "Confirmed by the resident",
                      "Reviewer", "Reviewed at", "Corrects record no."]
    assert [int(row[0]) for row in rows] == [at_start.id, pending.id]
    assert before.id not in [int(row[0]) for row in rows] and after.id not in [
        int(row[0]) for row in rows]
    first_row, second_row = rows
    assert first_row[1:8] == ["王建国", first.isoformat(), "00:00", "01:00", "1.0", "Approved",
                              "'=cmd()"]
    assert first_row[8] == "'@活动室"
    assert first_row[10:12] == ["No", "周书记"] and first_row[12].startswith(
        first.isoformat()[:4])
    assert second_row[1:9] == ["李秀英", day.isoformat(), "09:00", "11:00", "2.0",
                               "Awaiting review", "为刘奶奶理发,清洗油烟机", "米市巷社区 3 幢"]
    assert second_row[11:] == ["", "", ""]


def test_the_export_names_what_was_served_and_corrections(client_for, branch, lead, day,
                                                          clock):
    wang = _member(branch, "王建国")
    service = make_service(volunteer=wang, auto_confirm=True, starts_at=None, ends_at=None,
                           title="义务理发(上门)")
    enrollment = enrollments.join(service.id, make_user(display_name="刘奶奶"), "13800000000")
    enrollments.complete(enrollment, wang)
    enrollments.confirm_happened(enrollment, enrollment.resident)
    served = _record(wang, branch, _at(day, 8), 1, enrollment_id=enrollment.id)
    hours.approve(served, lead)
    correction = hours.correct_record(served, wang, hours.HourData(
        branch_id=branch.id, started_at=_at(day, 8), ended_at=_at(day, 9, 30),
        description="上门理发", place="米市巷社区"))
    db.session.commit()

    rows = _rows(client_for(lead).get(f"/branches/{branch.id}/hours.csv?start={day}&end={day}"))
    assert rows[0][1] == "志愿者"  # the header in the reader's language (Chinese by default)
    by_id = {int(row[0]): row for row in rows[1:]}
    assert by_id[served.id][9].endswith("义务理发(上门)") and by_id[served.id][6] == "已通过"
    assert by_id[served.id][10] != by_id[correction.id][10]  # confirmed, and not
    assert by_id[correction.id][13] == str(served.id)


@pytest.mark.parametrize(("start", "end", "message"), [
    ("{day}", "{day_before}", "The last day cannot be before the first day."),
    ("{six_years_ago}", "{day}", "At most 5 years at a time."),
    ("{day}", "{day_after}", "The range cannot reach into the future."),
    ("", "", "Choose the first day."),
    ("{day}", "", "Choose the last day."),
    ("2026-13-45", "{day}", "A day like 2026-11-30."),
])
def test_a_bad_range_is_shown_on_the_dashboard_with_what_was_typed(
        client_for, branch, lead, day, clock, start, end, message):
    days = {"day": day, "day_before": day - timedelta(days=1),
            "day_after": day + timedelta(days=1),
            "six_years_ago": day.replace(year=day.year - 6, day=min(day.day, 28))}
    start, end = start.format(**days), end.format(**days)
    response = client_for(_english(lead)).get(
        f"/branches/{branch.id}/hours.csv?start={start}&end={end}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    page = text(response)
    assert message in page
    assert f'name="start" type="date" value="{start}"' in page
    assert f'name="end" type="date" value="{end}"' in page
    assert 'data-figure="month-hours"' in page  # the dashboard itself


def test_the_dashboard_offers_this_month_so_far(client_for, branch, lead, day, clock):
    page = text(client_for(lead).get(f"/branches/{branch.id}/dashboard"))
    assert f'name="start" type="date" value="{day.replace(day=1)}"' in page
    assert f'name="end" type="date" value="{day}"' in page
    assert f'action="/branches/{branch.id}/hours.csv#export"' in page


@pytest.mark.parametrize(("start", "end"), [
    (date(2021, 1, 1), date(2025, 12, 31)), (date(2024, 2, 29), date(2029, 2, 27)),
    (date(2026, 11, 30), date(2026, 11, 30))])
def test_ranges_of_up_to_five_years_are_accepted(start, end):
    assert check_range(start, end, on=date(2030, 1, 1)) == (start, end)


@pytest.mark.parametrize(("start", "end", "field"), [
    (date(2021, 1, 1), date(2026, 1, 1), "end"), (date(2024, 2, 29), date(2029, 2, 28), "end"),
    (None, date(2026, 1, 1), "start"), (date(2026, 1, 2), date(2026, 1, 1), "end"),
    (date(2026, 11, 30), date(2026, 12, 1), "end")])
def test_ranges_refused(start, end, field):
    with pytest.raises(InvalidInput) as caught:
        check_range(start, end, on=date(2026, 11, 30))
    assert caught.value.field == field


# -- a fixed number of queries ----------------------------------------------------------

def _fill(branch, lead, day, count):
    for n in range(count):
        member = _member(branch, f"志愿者{n}")
        hours.approve(_record(member, branch, _at(day, 8), 1), lead)
        _record(member, branch, _at(day, 10), 1)  # waits for review
    db.session.commit()


def test_the_pages_take_the_same_queries_with_1_or_20_members(client_for, count_queries, lead,
                                                               branch, day, clock):
    big = make_branch("米市巷第三党支部")
    branches.add_member(big, lead, MembershipKind.FUNCTIONAL, MembershipRole.LEAD)
    db.session.commit()
    _fill(branch, lead, day, 1)
    _fill(big, lead, day, 20)
    client = client_for(lead)

    def counted(path):
        client.get(path)  # warm: the first request of a session may load more
        with count_queries() as counter:
            response = client.get(path)
            body = response.get_data()
        assert response.status_code == 200 and body
        return counter.count

    for path in ("dashboard", "dashboard?period=year", f"hours.csv?start={day}&end={day}"):
        small_count, big_count = counted(f"/branches/{branch.id}/{path}"), counted(
            f"/branches/{big.id}/{path}")
        assert small_count == big_count, path
    assert len(_rows(client.get(f"/branches/{big.id}/hours.csv?start={day}&end={day}"))) == 41
