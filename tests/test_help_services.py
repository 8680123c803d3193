"""The help-request rules, without HTTP (and one race through the app)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.exceptions import Conflict, InvalidInput, NotAllowed
from marketplace.extensions import db
from marketplace.help import queries
from marketplace.help import services as help_requests
from marketplace.help.models import HelpOffer, HelpOfferStatus, HelpRequestStatus, Urgency
from marketplace.listings.categories import ensure_default_categories
from marketplace.notifications.models import Notification
from marketplace.profiles.queries import volunteer_profiles

from .concurrency import run_at_once
from .factories import make_user

R, Offer = HelpRequestStatus, HelpOfferStatus
PHONE = "0572-8000000"


def _data(**overrides):
    values = dict(title="急需电焊工:蒸汽管道泄漏抢修", details="焊口泄漏,需要两名电焊工",
                  category_id=ensure_default_categories()["convenience"].id,
                  community="雷甸镇", contact=PHONE, urgency=Urgency.HIGH,
                  preferred_time="今天尽快")
    values.update(overrides)
    return help_requests.HelpRequestData(**values)


def _kinds(user):
    return list(db.session.scalars(sa.select(Notification.kind).filter_by(user_id=user.id)
                                   .order_by(Notification.id)))


@pytest.fixture
def firm():
    return make_user(display_name="雷甸热电厂")


@pytest.fixture
def welders():
    return [make_user(is_volunteer=True, display_name=n) for n in ("王师傅", "张师傅", "李师傅")]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": "急"}, "title"), ({"details": ""}, "details"), ({"category_id": 999}, "category_id"),
    ({"community": " "}, "community"), ({"contact": "找我"}, "contact"),
    ({"preferred_time": "x" * 81}, "preferred_time"),
])
def test_each_bad_field_is_named(firm, overrides, field):
    with pytest.raises(InvalidInput) as caught:
        help_requests.post_request(firm, _data(**overrides))
    assert caught.value.field == field


def test_offers_acceptance_and_the_others_told(firm, welders):
    request = help_requests.post_request(firm, _data())
    offers = [help_requests.offer_help(request, w, "二十分钟能到") for w in welders]
    assert request.offer_count == 3 and _kinds(firm) == ["help_offer.created"] * 3
    help_requests.withdraw_offer(offers[2], welders[2])
    assert request.offer_count == 2

    help_requests.accept_offer(offers[0], firm)
    assert request.status == R.MATCHED and request.volunteer_id == welders[0].id
    assert [o.status for o in offers] == [Offer.ACCEPTED, Offer.CLOSED, Offer.WITHDRAWN]
    assert _kinds(welders[0]) == ["help_offer.accepted"]
    assert _kinds(welders[1]) == ["help_offer.closed"]
    assert _kinds(welders[2]) == []
    with pytest.raises(Conflict):
        help_requests.accept_offer(offers[1], firm)


def test_one_offer_per_volunteer_and_renewing_a_withdrawn_one(firm, welders):
    request = help_requests.post_request(firm, _data())
    offer = help_requests.offer_help(request, welders[0], "我来")
    with pytest.raises(Conflict):
        help_requests.offer_help(request, welders[0], "再报一次")
    help_requests.withdraw_offer(offer, welders[0])
    renewed = help_requests.offer_help(request, welders[0], "还是我来")
    assert renewed.id == offer.id and renewed.status == Offer.OPEN
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HelpOffer)) == 1


def test_who_may_offer(firm, welders):
    request = help_requests.post_request(firm, _data())
    with pytest.raises(NotAllowed):
        help_requests.offer_help(request, make_user(), "我不是志愿者")
    firm.is_volunteer = True
    with pytest.raises(NotAllowed):
        help_requests.offer_help(request, firm, "自己帮自己")
    with pytest.raises(InvalidInput):
        help_requests.offer_help(request, welders[0], " ")


def test_only_the_requester_accepts_edits_and_cancels(firm, welders):
    request = help_requests.post_request(firm, _data())
    offer = help_requests.offer_help(request, welders[0], "我来")
    for step in (lambda: help_requests.accept_offer(offer, welders[0]),
                 lambda: help_requests.accept_offer(offer, welders[1]),
                 lambda: help_requests.update_request(request, welders[0], _data()),
                 lambda: help_requests.cancel_request(request, welders[0])):
        with pytest.raises(NotAllowed):
            step()


def test_contact_is_for_the_requester_the_accepted_volunteer_and_admins(firm, welders):
    request = help_requests.post_request(firm, _data())
    offers = [help_requests.offer_help(request, w, "我来") for w in welders[:2]]
    admin, stranger = make_user(is_admin=True), make_user()

    def sees(user):
        return help_requests.visible_contact(request, user) == PHONE

    assert sees(firm) and sees(admin)
    assert not any(sees(u) for u in (*welders, stranger, None))
    help_requests.accept_offer(offers[0], firm)
    assert sees(welders[0])
    assert not sees(welders[1]) and not sees(stranger)


def test_completion_by_either_side_then_rating_once(firm, welders):
    request = help_requests.post_request(firm, _data())
    with pytest.raises(Conflict):
        help_requests.complete_request(request, firm)
    help_requests.accept_offer(help_requests.offer_help(request, welders[0], "我来"), firm)
    with pytest.raises(NotAllowed):
        help_requests.complete_request(request, welders[1])
    help_requests.complete_request(request, welders[0])
    assert request.status == R.COMPLETED and _kinds(firm)[-1] == "help_request.completed"
    with pytest.raises(NotAllowed):
        help_requests.rate(request, welders[0], 5, None)
    help_requests.rate(request, firm, 5, "二十分钟就到了")
    with pytest.raises(Conflict):
        help_requests.rate(request, firm, 4, None)
    assert request.resident_confirmed_at is not None
    profile = volunteer_profiles([welders[0].id])[welders[0].id]
    assert (profile.completed, profile.rating_count, profile.rating_average) == (1, 1, 5.0)


def test_cancel_before_completion_tells_the_volunteers(firm, welders):
    request = help_requests.post_request(firm, _data())
    offers = [help_requests.offer_help(request, w, "我来") for w in welders[:2]]
    help_requests.accept_offer(offers[0], firm)
    help_requests.cancel_request(request, firm)
    assert request.status == R.CANCELLED
    assert _kinds(welders[0])[-1] == "help_request.cancelled"
    with pytest.raises(Conflict):
        help_requests.cancel_request(request, firm)
    with pytest.raises(Conflict):
        help_requests.offer_help(request, welders[2], "晚了")


def test_edit_only_while_open(firm, welders):
    request = help_requests.post_request(firm, _data())
    help_requests.update_request(request, firm, _data(title="急需电焊工两名"))
    assert request.title == "急需电焊工两名"
    help_requests.accept_offer(help_requests.offer_help(request, welders[0], "我来"), firm)
    with pytest.raises(Conflict):
        help_requests.update_request(request, firm, _data(title="再改"))


def test_hidden_requests_take_no_offers_and_are_audited(firm, welders):
    request = help_requests.post_request(firm, _data())
    admin = make_user(is_admin=True)
    with pytest.raises(NotAllowed):
        help_requests.hide_request(request, welders[0], "广告")
    help_requests.hide_request(request, admin, "重复发布")
    assert not help_requests.can_view(request, welders[0])
    assert help_requests.can_view(request, firm) and help_requests.can_view(request, admin)
    with pytest.raises(Conflict):
        help_requests.offer_help(request, welders[0], "我来")
    help_requests.unhide_request(request, admin)
    assert help_requests.can_view(request, None)


def test_browse_puts_urgent_first_and_flags_the_unanswered(firm, welders):
    calm = help_requests.post_request(firm, _data(title="楼道杂物清理", urgency=Urgency.LOW,
                                                  community="拱宸桥社区"))
    urgent = help_requests.post_request(firm, _data())
    normal = help_requests.post_request(firm, _data(title="换灯泡", urgency=Urgency.NORMAL))
    calm.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    page = queries.browse(queries.HelpFilters(), None, 10)
    assert [r.id for r in page.items] == [urgent.id, normal.id, calm.id]
    assert queries.is_unanswered(calm) and not queries.is_unanswered(urgent)
    neighbour = make_user(is_volunteer=True, community="拱宸桥社区")
    assert queries.unanswered_near(neighbour) == [calm]
    firm.community = "拱宸桥社区"
    assert queries.unanswered_near(firm) == []  # one's own request is no neighbour's
    assert queries.unanswered_near(make_user(is_volunteer=True, community="雷甸镇")) == []


def test_two_accepts_at_the_same_moment_match_one_volunteer(app, firm, welders):
    request = help_requests.post_request(firm, _data())
    offers = [help_requests.offer_help(request, w, "我来") for w in welders]
    db.session.commit()
    statuses = run_at_once(app, [(firm.get_id(), f"/help-offers/{o.id}/accept", {})
                                 for o in offers])
    assert statuses == [302] * 3
    db.session.rollback()
    accepted = db.session.scalars(sa.select(HelpOffer).filter_by(status=Offer.ACCEPTED)).all()
    assert len(accepted) == 1
    db.session.refresh(request)
    assert request.volunteer_id == accepted[0].volunteer_id and request.status == R.MATCHED


def test_the_helper_loses_the_contact_when_the_request_ends(firm, welders):
    request = help_requests.post_request(firm, _data())
    help_requests.accept_offer(help_requests.offer_help(request, welders[0], "我来"), firm)
    help_requests.cancel_request(request, firm)
    assert help_requests.visible_contact(request, welders[0]) is None
    assert help_requests.visible_contact(request, firm) == PHONE


def test_a_hidden_request_is_still_finished_by_its_helper_but_takes_no_accept(firm, welders):
    request = help_requests.post_request(firm, _data())
    offers = [help_requests.offer_help(request, w, "我来") for w in welders[:2]]
    admin = make_user(is_admin=True)
    help_requests.hide_request(request, admin, "重复发布")
    with pytest.raises(Conflict):
        help_requests.accept_offer(offers[0], firm)
    help_requests.unhide_request(request, admin)
    help_requests.accept_offer(offers[0], firm)
    help_requests.hide_request(request, admin, "重复发布")
    assert help_requests.can_view(request, welders[0])
    assert not help_requests.can_view(request, welders[1])
    help_requests.complete_request(request, welders[0])
    assert request.status == R.COMPLETED
