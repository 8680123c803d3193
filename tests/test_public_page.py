"""The public page (公开): district totals by month and category, the top
branches, and no personal data on any public ranking page or answer."""

import json
import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.branches.models import Alliance, Branch, BranchKind
from marketplace.demo.seed import seed
from marketplace.enrollments import services as enrollments
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.categories import ensure_default_categories
from marketplace.listings.models import ServiceMode
from marketplace.rankings.models import BranchPeriodStat, DistrictPeriodStat

from .factories import make_branch, make_user
from .page_helpers import text
from .rankings_helpers import approved, branch_with_lead, committee, member


def _service(volunteer, slug: str):
    return listings.create_service(volunteer, listings.ServiceData(
        title="义务理发", description="为老人上门理发", community="米市巷社区",
        category_id=ensure_default_categories()[slug].id, mode=ServiceMode.HOME, capacity=5,
        auto_confirm=True))


def _row(page: str, heading: str) -> list[str]:
    """The cells of the table row whose header cell is `heading`."""
    match = re.search(rf'<th scope="row"[^>]*>{re.escape(heading)}</th>(.*?)</tr>', page, re.S)
    assert match, heading
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_district_totals_by_month_and_category(client):
    parent = committee()
    east, lead = branch_with_lead("东园党支部", parent)
    volunteer = member(east)
    resident = make_user()
    service = _service(volunteer, "health")
    enrollment = enrollments.join(service.id, resident, "13800000000")
    enrollments.complete(enrollment, volunteer)
    approved(volunteer, east, lead, datetime(2026, 2, 10, 9), length=2,
             enrollment_id=enrollment.id)
    approved(volunteer, east, lead, datetime(2026, 3, 10, 9), length=1.5)

    page = text(client.get("/public?period=2026-03"))
    # approved hours, residents served, services published
    assert _row(page, "2026年3月") == ["1.5", "0", "0"]
    assert _row(page, "2026年2月") == ["2.0", "1", "0"]
    assert _row(page, "其他志愿服务") == ["1.5", "0", "0"]
    assert ">2026年4月</th>" not in page  # the months end with the period
    assert ">2025年4月</th>" in page  # twelve of them

    page = text(client.get("/public?period=2026-02"))
    assert _row(page, "医疗健康")[:2] == ["2.0", "1"]
    assert "其他志愿服务" not in page  # shown only when it counts something

    page = text(client.get("/public?period=year"))  # published this year, when first published
    assert _row(page, "医疗健康")[2] == "1"
    stats = re.findall(r'<div class="stat">([^<]+)</div>', page)
    assert stats[0] == "1"


def test_the_top_branches(client):
    parent = committee()
    for name, hours in (("东园党支部", 2), ("西园党支部", 4)):
        branch, lead = branch_with_lead(name, parent)
        approved(member(branch), branch, lead, datetime(2026, 6, 1, 9), length=hours)
    page = text(client.get("/public?period=2026"))
    top = page[page.index("list-group-numbered"):]
    assert top.index("西园党支部") < top.index("东园党支部")


@pytest.mark.parametrize("period", ["2026-13", "abc", "2026-Q9"])
def test_a_bad_period_gets_a_clear_message(client, period):
    response = client.get(f"/public?period={period}")
    assert response.status_code == 400
    assert 'class="alert alert-danger"' in text(response) and "2026-Q4" in text(response)


def test_the_public_page_needs_no_login(client):
    assert client.get("/public").status_code == 200
    assert client.get("/rankings").status_code == 200


def test_no_personal_data_on_public_pages(client):
    seed()
    db.session.commit()
    people = db.session.execute(sa.select(User.username, User.phone,
                                          User.display_name)).all()
    assert len(people) > 5
    urls = ["/public", "/public?period=month", "/rankings",
            "/api/v1/public/figures", "/api/v1/public/figures?period=month"]
    for (branch_id,) in db.session.execute(sa.select(Branch.id).where(
            Branch.kind == BranchKind.COMMITTEE)):
        urls += [f"/rankings?parent={branch_id}&period=year",
                 f"/rankings?parent={branch_id}&by=hours",
                 f"/api/v1/rankings/branches?parent_id={branch_id}&period=year"]
    for (alliance_id,) in db.session.execute(sa.select(Alliance.id)):
        urls += [f"/rankings?alliance={alliance_id}&period=year",
                 f"/api/v1/rankings/branches?alliance_id={alliance_id}&period=year"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BranchPeriodStat))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = (json.dumps(response.json, ensure_ascii=False) if response.is_json
                else _without_chrome(text(response)))
        for username, phone, name in people:
            assert username not in body, (url, username)
            assert not phone or phone not in body, (url, phone)
            assert name not in body, (url, name)


def _without_chrome(page: str) -> str:
    """The page's own content (the footer and navigation are not the page's)."""
    return page[page.index('<main'):page.index('</main>')]


def test_the_public_page_costs_the_same_for_few_and_many_rows(client, count_queries):
    def fill(period: str, branches: int) -> None:
        for i in range(branches):
            branch = make_branch(f"{period}支部{i}", commit=False)
            db.session.add(BranchPeriodStat(period=period, branch_id=branch.id,
                                            minutes=30 * (i + 1), records=1))
        for category in ensure_default_categories().values():
            db.session.add(DistrictPeriodStat(period=period, category_id=category.id,
                                              minutes=60 * branches, records=branches,
                                              residents_served=1, services_published=2))
        db.session.commit()

    fill("2025", 1)
    fill("2024", 30)
    counts = []
    for period in ("2025", "2024"):
        url = f"/public?period={period}"
        assert client.get(url).status_code == 200
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
