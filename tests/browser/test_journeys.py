"""Four people's errands on a phone, in Chinese, through the real forms (CSRF
tokens included): what each sees after each step, and the rows at the end.
Joining and reviewing also run with JavaScript switched off; the resident's
errand once more in elder mode (长辈模式), switched on in the header."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from marketplace.branches.models import Branch
from marketplace.enrollments import services as enrollments
from marketplace.enrollments.models import Enrollment
from marketplace.extensions import db
from marketplace.hours.models import HourRecord
from marketplace.localtime import utc_to_local

from ..factories import make_branch, make_hour_record, make_lead, make_service, make_user, morning
from .helpers import expect_flash, log_in

PHONES = ["phone", "phone_without_js"]
ELDER = re.compile(r"\belder\b")


def go_to(page: Page, link: str) -> None:
    """Through the menu: on a phone it opens with the ☰ button (with
    JavaScript), or stands open (without)."""
    toggler = page.get_by_role("button", name="菜单")
    if toggler.is_visible():
        toggler.click()
    page.locator("#nav").get_by_role("link", name=link, exact=True).click()


def expect_mode(page: Page, elder: bool) -> None:
    html = expect(page.locator("html"))
    html.to_have_class(ELDER) if elder else html.not_to_have_class(ELDER)


@pytest.mark.parametrize(("browser_page", "elder"),
                         [("phone", False), ("phone_without_js", False),
                          ("phone_without_js", True)],
                         ids=["phone", "phone_without_js", "elder_mode_without_js"])
def test_a_resident_finds_and_joins_a_service(request, browser_page, elder, settle):
    page = request.getfixturevalue(browser_page)
    resident = make_user(display_name="刘奶奶")
    resident.elder_mode = elder  # her account's choice, kept when she logs in
    service = make_service(title="义务理发(上门)")
    make_service(title="家电维修", description="修空调")
    settle()

    page.goto("/")
    if elder:
        page.get_by_role("button", name="长辈模式").click()
    expect_mode(page, elder)
    expect(page.get_by_role("heading", level=1)).to_contain_text("志愿者")
    page.get_by_role("searchbox", name="搜索").fill("理发")
    page.get_by_role("button", name="搜索").click()
    results = page.locator("article.card-service")
    expect(results).to_have_count(1)
    results.get_by_role("link", name="义务理发(上门)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("义务理发(上门)")
    # Anonymous: log in first (the join section's link; on a long page the
    # bar at the bottom of the screen carries the same one).
    page.locator("#join").get_by_role("link", name="登录后加入该项目").click()

    page.get_by_label("用户名").fill(resident.username)
    page.get_by_label("密码", exact=True).fill("correct-horse-battery")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("义务理发(上门)")
    expect_mode(page, elder)

    page.get_by_label("您的电话(只有志愿者能看到)").fill("13800000001")
    page.get_by_role("button", name="加入该项目").click()
    expect_flash(page, "加入成功!志愿者会尽快确认。")
    expect(page.locator("#join")).to_contain_text("等志愿者答应" if elder else "待确认")

    go_to(page, "我的报名")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的报名")
    card = page.locator("article.card").filter(has_text="义务理发(上门)")
    expect(card).to_contain_text("等志愿者答应" if elder else "待确认")
    expect(card.get_by_role("button", name="取消报名")).to_be_visible()
    expect_mode(page, elder)

    settle()
    enrollment = db.session.scalars(sa.select(Enrollment)).one()
    assert (enrollment.service_id, enrollment.resident_id) == (service.id, resident.id)
    assert (enrollment.status, enrollment.contact) == ("pending", "13800000001")
    assert db.session.get(type(service), service.id).taken == 1


def test_a_volunteer_confirms_an_enrollment_and_records_hours(phone, settle):
    branch = make_branch("米市巷第一党支部")
    volunteer = make_lead(branch, display_name="王建国")  # a member who can record hours
    resident = make_user(display_name="刘奶奶")
    start = morning(days_ago=1)
    service = make_service(volunteer, title="上门打扫", starts_at=None, ends_at=None)
    enrollment = enrollments.join(service.id, resident, "13800000002")
    db.session.commit()
    settle()

    page = phone
    log_in(page, volunteer)
    go_to(page, "我的服务")
    page.locator("article.card").filter(has_text="上门打扫").get_by_role(
        "link", name="报名名单").click()
    pending = page.locator("article.card").filter(has_text="刘奶奶")
    pending.get_by_role("button", name="确认").click()
    expect_flash(page, "已确认,并已通知居民。")

    page.get_by_role("link", name="已确认", exact=True).click()
    confirmed = page.locator("article.card").filter(has_text="刘奶奶")
    confirmed.get_by_role("button", name="已服务").click()
    expect_flash(page, "已标记为完成,辛苦了!")

    page.get_by_role("link", name="已结束", exact=True).click()
    page.locator("article.card").filter(has_text="刘奶奶").get_by_role(
        "link", name="登记服务时长").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记我的服务时长")
    local = utc_to_local(start)
    page.get_by_label("日期").fill(local.date().isoformat())
    page.get_by_label("开始时间").fill("09:00")
    page.get_by_label("结束时间").fill("11:30")
    page.get_by_label("服务内容").fill("上门打扫卫生")
    page.get_by_label("服务地点").fill("米市巷社区")
    page.get_by_role("button", name="提交审核").click()
    expect_flash(page, "服务时长已登记,等待支部书记审核。")

    settle()
    assert db.session.get(Enrollment, enrollment.id).status == "completed"
    record = db.session.scalars(sa.select(HourRecord)).one()
    assert (record.volunteer_id, record.branch_id, record.enrollment_id) == (
        volunteer.id, branch.id, enrollment.id)
    assert record.status == "submitted" and record.hours == pytest.approx(2.5)
    assert record.ended_at - record.started_at == timedelta(hours=2, minutes=30)


@pytest.mark.parametrize("browser_page", PHONES)
def test_a_lead_approves_a_batch_in_the_review_queue(request, browser_page, settle):
    page = request.getfixturevalue(browser_page)
    branch = make_branch("湖墅社区党支部")
    lead = make_lead(branch, display_name="吴书记")
    members = [make_lead(branch, display_name=name) for name in ("李秀英", "赵敏", "陈晓明")]
    records = [make_hour_record(member, branch, days_ago=n + 2) for n, member in enumerate(members)]
    settle()

    log_in(page, lead)
    go_to(page, "我负责的支部")
    page.get_by_role("link", name="审核服务时长").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("审核服务时长")
    expect(page.locator("article.card")).to_have_count(3)
    page.get_by_label("李秀英 · 2.0 h").check()
    page.get_by_label("赵敏 · 2.0 h").check()
    page.get_by_role("button", name="通过勾选的记录").click()
    expect_flash(page, "已通过 2 条记录。")
    left = page.locator("article.card")
    expect(left).to_have_count(1)
    expect(left).to_contain_text("陈晓明")

    settle()
    statuses = {r.id: db.session.get(HourRecord, r.id).status for r in records}
    assert statuses == {records[0].id: "approved", records[1].id: "approved",
                        records[2].id: "submitted"}
    assert {db.session.get(HourRecord, r.id).reviewed_by_id for r in records[:2]} == {lead.id}


BRANCHES_CSV = ("code,name,kind,parent_code,community\n"
                "DW,米市巷街道党委,党委,,\n"
                "ZB1,米市巷第一党支部,党支部,DW,米市巷社区\n")


def test_an_admin_imports_branches_from_a_csv(phone, settle):
    admin = make_user(username="chief", display_name="组织部", is_admin=True)
    settle()

    page = phone
    log_in(page, admin)
    go_to(page, "管理后台")
    page.get_by_role("link", name="名册导入导出").click()
    page.get_by_label("支部(code 编码").check()
    page.get_by_label("CSV 文件").set_input_files({
        "name": "branches.csv", "mimeType": "text/csv",
        "buffer": ("\ufeff" + BRANCHES_CSV).encode()})
    page.get_by_role("button", name="检查并导入").click()
    report = page.locator("#report")
    expect(report).to_contain_text("文件已导入。")
    expect(report).to_contain_text("branches.csv")
    expect(report.get_by_role("row").nth(1)).to_contain_text("2")

    settle()
    imported = {b.code: b for b in db.session.scalars(sa.select(Branch))}
    assert set(imported) == {"DW", "ZB1"}
    assert imported["ZB1"].parent_id == imported["DW"].id
    assert imported["ZB1"].name == "米市巷第一党支部"
