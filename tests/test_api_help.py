"""Help requests over the API: post, the board, offers, acceptance, the
steps after, ratings, the lists, notifications, and who may read a
contact (API.md "help requests")."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.feedback.models import Feedback
from marketplace.help import services as help_requests
from marketplace.help.models import HelpOffer, HelpRequest, Urgency
from marketplace.hours.models import PointEntry, PointReason
from marketplace.listings.categories import ensure_default_categories
from marketplace.notifications.models import Notification
from marketplace.privacy import mask_contact

from .api_helpers import auth, error_field
from .factories import make_branch, make_user

SECRET = "0572-8123456"
BOARD = "/api/v1/help-requests"


def _volunteer(**overrides):
    return make_user(is_volunteer=True, **overrides)


def _category(slug="convenience"):
    return ensure_default_categories()[slug]


def _body(**overrides) -> dict:
    body = {"title": "急需电焊工:蒸汽管道泄漏抢修", "details": "焊口泄漏,需要两名电焊工",
            "category_id": _category().id, "community": "雷甸镇", "contact": SECRET,
            "urgency": "high", "preferred_time": "今天尽快"}
    return body | overrides


def _posted(requester=None, **overrides) -> HelpRequest:
    """A request posted through the domain (setup, not the thing tested)."""
    values = _body(**overrides)
    values["urgency"] = Urgency(values["urgency"])
    request = help_requests.post_request(requester or make_user(),
                                         help_requests.HelpRequestData(**values))
    db.session.commit()
    return request


def _offered(request, volunteer=None, message="我来帮忙") -> HelpOffer:
    offer = help_requests.offer_help(request, volunteer or _volunteer(), message)
    db.session.commit()
    return offer


def _matched(requester=None, volunteer=None, **overrides):
    request = _posted(requester, **overrides)
    offer = _offered(request, volunteer)
    help_requests.accept_offer(offer, request.requester)
    db.session.commit()
    return request, offer


def _completed(requester=None, volunteer=None):
    request, offer = _matched(requester, volunteer)
    help_requests.complete_request(request, request.requester)
    db.session.commit()
    return request, offer


def _post(client, path, user=None, **kwargs):
    headers = auth(client, user) if user else {}
    return client.post(path, headers=headers, **kwargs)


def _get(client, path, user=None):
    return client.get(path, headers=auth(client, user) if user else {})


def _kinds(user) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.kind).filter_by(user_id=user.id)
                                   .order_by(Notification.id)))


def _notes(kind: str) -> list[tuple[int, dict]]:
    return [(n.user_id, n.params) for n in db.session.scalars(
        sa.select(Notification).filter_by(kind=kind).order_by(Notification.id))]


# -- post ---------------------------------------------------------------------------

def test_a_resident_posts_a_request(client):
    resident = make_user(display_name="雷甸热电厂")
    response = _post(client, BOARD, resident, json=_body())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "open" and isinstance(body["id"], int)
    assert body["title"] == "急需电焊工:蒸汽管道泄漏抢修"
    assert body["details"] == "焊口泄漏,需要两名电焊工"
    assert body["category"]["slug"] == "convenience" and body["community"] == "雷甸镇"
    assert body["urgency"] == "high" and body["preferred_time"] == "今天尽快"
    assert body["requester"] == {"id": resident.id, "display_name": "雷甸热电厂"}
    assert body["volunteer"] is None and body["offer_count"] == 0
    assert body["unanswered"] is False and body["rated"] is False
    assert body["contact"] == SECRET  # the requester reads back what they wrote
    stored = db.session.get(HelpRequest, body["id"])
    assert stored.requester_id == resident.id and stored.contact == SECRET


def test_urgency_and_preferred_time_are_optional(client):
    body = _body()
    del body["urgency"], body["preferred_time"]
    response = _post(client, BOARD, make_user(), json=body)
    assert response.status_code == 201, response.json
    assert response.json["urgency"] == "normal" and response.json["preferred_time"] is None


def test_posting_needs_a_token(client):
    assert client.post(BOARD, json=_body()).status_code == 401
    forged = client.post(BOARD, json=_body(), headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401
    assert db.session.query(HelpRequest).count() == 0


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": "急"}, "title"), ({"title": "   "}, "title"), ({"title": "x" * 81}, "title"),
    ({"details": ""}, "details"), ({"details": "  "}, "details"),
    ({"category_id": 9999}, "category_id"), ({"category_id": "welding"}, "category_id"),
    ({"category_id": 10**20}, "category_id"),
    ({"community": ""}, "community"), ({"community": "x" * 61}, "community"),
    ({"contact": "找我"}, "contact"), ({"contact": "call me please"}, "contact"),
    ({"contact": 13800138000}, "contact"),
    ({"urgency": "asap"}, "urgency"), ({"preferred_time": "x" * 81}, "preferred_time"),
])
def test_posting_names_the_field_that_fails(client, overrides, field):
    response = _post(client, BOARD, make_user(), json=_body(**overrides))
    assert field in error_field(response)
    assert db.session.query(HelpRequest).count() == 0


@pytest.mark.parametrize("field", ["title", "details", "category_id", "community", "contact"])
def test_posting_a_missing_field_names_it(client, field):
    body = _body()
    del body[field]
    assert field in error_field(_post(client, BOARD, make_user(), json=body))


def test_malformed_json_is_a_bad_request(client):
    resident, volunteer = make_user(), _volunteer()
    request = _posted(resident)
    completed, _ = _completed(resident)
    for path, user, method in [
        (BOARD, resident, "post"), (f"{BOARD}/{request.id}", resident, "patch"),
        (f"{BOARD}/{request.id}/offers", volunteer, "post"),
        (f"{BOARD}/{completed.id}/feedback", resident, "post"),
    ]:
        response = getattr(client, method)(path, data="{oops", content_type="application/json",
                                           headers=auth(client, user))
        assert response.status_code == 400, path
        assert response.json["error"]["code"] == "bad_request"


# -- the board ------------------------------------------------------------------------

def test_the_board_is_public_most_urgent_first_and_never_shows_a_contact(client):
    requester = make_user(display_name="张阿姨")
    calm = _posted(requester, title="楼道杂物清理", urgency="low")
    urgent = _posted(requester)
    normal = _posted(requester, title="换灯泡", urgency="normal")
    later_urgent = _posted(requester, title="停水送水")
    _offered(normal)
    for user in (None, make_user(), _volunteer(), requester, make_user(is_admin=True)):
        response = _get(client, BOARD, user)
        assert response.status_code == 200
        items = response.json["items"]
        assert [i["id"] for i in items] == [later_urgent.id, urgent.id, normal.id, calm.id]
        assert response.json["next_cursor"] is None
        assert all("contact" not in i for i in items)
        assert SECRET not in response.get_data(as_text=True)
    first = {i["id"]: i for i in items}
    assert first[urgent.id]["requester"] == {"id": requester.id, "display_name": "张阿姨"}
    assert first[urgent.id]["category"]["slug"] == "convenience"
    assert first[urgent.id]["urgency"] == "high" and first[urgent.id]["status"] == "open"
    assert first[normal.id]["offer_count"] == 1 and first[urgent.id]["offer_count"] == 0


def test_the_board_flags_requests_waiting_a_day_with_no_offer(client):
    waiting = _posted(title="独居老人买药")
    answered = _posted(title="修水管")
    fresh = _posted(title="搬家具")
    for request in (waiting, answered):
        request.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    _offered(answered)
    items = {i["id"]: i for i in client.get(BOARD).json["items"]}
    assert items[waiting.id]["unanswered"] is True
    assert items[answered.id]["unanswered"] is False
    assert items[fresh.id]["unanswered"] is False
    detail = client.get(f"{BOARD}/{waiting.id}").json
    assert detail["unanswered"] is True


def test_the_board_filters(client):
    legal = _posted(category_id=_category("legal").id, community="米市巷社区", urgency="low")
    here = _posted(community="米市巷社区", urgency="normal")
    there = _posted(community="雷甸镇")
    hidden = _posted(community="米市巷社区")
    help_requests.hide_request(hidden, make_user(is_admin=True), "重复发布")
    matched, _ = _matched(community="米市巷社区")
    cancelled = _posted()
    help_requests.cancel_request(cancelled, cancelled.requester)
    completed, _ = _completed()
    db.session.commit()

    def ids(query):
        response = client.get(f"{BOARD}?{query}")
        assert response.status_code == 200, response.json
        return {i["id"] for i in response.json["items"]}

    assert ids("") == ids("status=open") == {legal.id, here.id, there.id}
    assert ids(f"category={_category('legal').id}") == {legal.id}
    assert ids("category=legal") == {legal.id}
    assert ids("community=米市巷") == {legal.id, here.id}
    assert ids("community=米市巷社区&urgency=normal") == {here.id}
    assert ids("urgency=high") == {there.id}
    assert ids("status=matched") == {matched.id}
    assert ids("status=matched&community=雷甸") == set()
    assert ids("status=cancelled") == {cancelled.id}
    assert ids("status=completed") == {completed.id}


def test_the_board_is_keyset_paginated(client):
    posted = [_posted(urgency=u) for u in ("low", "high", "normal", "high", "low")]
    expected = [posted[3].id, posted[1].id, posted[2].id, posted[4].id, posted[0].id]
    seen, cursor = [], None
    while True:
        response = client.get(f"{BOARD}?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200
        assert len(response.json["items"]) <= 2
        seen += [i["id"] for i in response.json["items"]]
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert len(client.get(BOARD).json["items"]) == 5  # 20 by default


@pytest.mark.parametrize(("query", "field"), [
    ("status=gone", "status"), ("urgency=asap", "urgency"), ("category=nope", "category"),
    ("category=9999", "category"), ("limit=0", "limit"), ("limit=101", "limit"),
    ("limit=x", "limit"), ("cursor=%%%", "cursor"), ("cursor=WzFd", "cursor"),
    ("community=" + "x" * 61, "community"),
])
def test_the_board_names_a_bad_filter(client, query, field):
    assert field in error_field(client.get(f"{BOARD}?{query}"))


def test_the_board_runs_a_fixed_number_of_queries(client, count_queries):
    _posted()
    with count_queries() as few:
        client.get(BOARD)
    for slug in ("legal", "health", "culture", "donation", "pairing"):
        request = _posted(make_user(), category_id=_category(slug).id, urgency="low")
        _offered(request)
    with count_queries() as many:
        response = client.get(BOARD)
    assert len(response.json["items"]) == 6
    assert many.count == few.count


# -- one request ------------------------------------------------------------------------

def test_a_request_is_public_and_its_contact_is_not(client):
    requester = make_user()
    request = _posted(requester)
    path = f"{BOARD}/{request.id}"
    for viewer in (None, make_user(), _volunteer()):
        response = _get(client, path, viewer)
        assert response.status_code == 200
        assert response.json["status"] == "open" and response.json["contact"] is None
        assert SECRET not in response.get_data(as_text=True)
    for viewer in (requester, make_user(is_admin=True)):
        assert _get(client, path, viewer).json["contact"] == SECRET


def test_the_accepted_volunteer_sees_the_contact_only_after_acceptance(client):
    requester, chosen, other = make_user(), _volunteer(), _volunteer()
    request = _posted(requester)
    offer = _offered(request, chosen)
    _offered(request, other)
    path = f"{BOARD}/{request.id}"
    assert _get(client, path, chosen).json["contact"] is None
    help_requests.accept_offer(offer, requester)
    db.session.commit()
    body = _get(client, path, chosen).json
    assert body["contact"] == SECRET and body["status"] == "matched"
    assert body["volunteer"] == {"id": chosen.id, "display_name": chosen.display_name}
    assert _get(client, path, other).json["contact"] is None
    assert client.get(path).json["contact"] is None


def test_hidden_requests_are_seen_only_by_their_requester_and_admins(client):
    requester = make_user()
    request = _posted(requester)
    help_requests.hide_request(request, make_user(is_admin=True), "重复发布")
    db.session.commit()
    path = f"{BOARD}/{request.id}"
    for viewer in (None, make_user(), _volunteer()):
        assert _get(client, path, viewer).status_code == 404
    mine = _get(client, path, requester)
    assert mine.status_code == 200 and mine.json["hidden"] is True
    assert _get(client, path, make_user(is_admin=True)).status_code == 200
    volunteer = _volunteer()
    offer = _post(client, f"{path}/offers", volunteer, json={"message": "我来"})
    assert offer.status_code == 404


def test_unknown_request_and_forged_token(client):
    assert client.get(f"{BOARD}/9999").status_code == 404
    request = _posted()
    response = client.get(f"{BOARD}/{request.id}", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401


# -- edit -----------------------------------------------------------------------------

def test_the_requester_patches_some_fields(client):
    requester = make_user()
    request = _posted(requester)
    response = client.patch(f"{BOARD}/{request.id}", json={"title": "急需电焊工两名",
                                                            "urgency": "normal"},
                            headers=auth(client, requester))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["title"] == "急需电焊工两名" and body["urgency"] == "normal"
    assert body["details"] == "焊口泄漏,需要两名电焊工" and body["contact"] == SECRET
    assert body["preferred_time"] == "今天尽快" and body["community"] == "雷甸镇"
    cleared = client.patch(f"{BOARD}/{request.id}", json={"preferred_time": None},
                           headers=auth(client, requester))
    assert cleared.status_code == 200 and cleared.json["preferred_time"] is None
    assert db.session.get(HelpRequest, request.id).title == "急需电焊工两名"


def test_patch_checks_the_whole_request_and_names_the_field(client):
    requester = make_user()
    request = _posted(requester)
    path = f"{BOARD}/{request.id}"
    headers = auth(client, requester)
    for body, field in [({"title": " "}, "title"), ({"title": None}, "title"),
                        ({"contact": "找我"}, "contact"), ({"urgency": "x"}, "urgency"),
                        ({"category_id": 9999}, "category_id")]:
        assert field in error_field(client.patch(path, json=body, headers=headers))
    assert db.session.get(HelpRequest, request.id).title == "急需电焊工:蒸汽管道泄漏抢修"


def test_patch_is_for_the_requester_while_open(client):
    requester = make_user()
    request = _posted(requester)
    path = f"{BOARD}/{request.id}"
    assert client.patch(path, json={"title": "改一下"}).status_code == 401
    for other in (make_user(), _volunteer(), make_user(is_admin=True)):
        response = client.patch(path, json={"title": "改一下"}, headers=auth(client, other))
        assert response.status_code == 403
    assert client.patch(f"{BOARD}/9999", json={"title": "改一下"},
                        headers=auth(client, requester)).status_code == 404
    help_requests.accept_offer(_offered(request), requester)
    db.session.commit()
    response = client.patch(path, json={"title": "改一下"}, headers=auth(client, requester))
    assert response.status_code == 409
    assert db.session.get(HelpRequest, request.id).title == "急需电焊工:蒸汽管道泄漏抢修"


# -- offers -----------------------------------------------------------------------------

def test_a_volunteer_offers_and_the_requester_is_told(client):
    requester = make_user()
    volunteer = _volunteer(display_name="王师傅")
    request = _posted(requester)
    response = _post(client, f"{BOARD}/{request.id}/offers", volunteer,
                     json={"message": "二十分钟能到"})
    assert response.status_code == 201, response.json
    body = response.json
    assert isinstance(body["id"], int) and body["status"] == "open"
    assert body["message"] == "二十分钟能到"
    assert body["volunteer"] == {"id": volunteer.id, "display_name": "王师傅"}
    assert body["help_request"]["id"] == request.id
    assert body["help_request"]["status"] == "open"
    assert body["help_request"]["contact"] is None
    assert SECRET not in response.get_data(as_text=True)
    assert _notes("help_offer.created") == [(requester.id, {
        "help_request_id": request.id, "title": request.title, "volunteer": "王师傅"})]
    assert client.get(f"{BOARD}/{request.id}").json["offer_count"] == 1


def test_offering_needs_a_token(client):
    request = _posted()
    assert client.post(f"{BOARD}/{request.id}/offers",
                       json={"message": "我来"}).status_code == 401


def test_a_second_offer_is_a_conflict(client):
    request = _posted()
    volunteer = _volunteer()
    path = f"{BOARD}/{request.id}/offers"
    assert _post(client, path, volunteer, json={"message": "我来"}).status_code == 201
    response = _post(client, path, volunteer, json={"message": "再报一次"})
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"
    assert db.session.query(HelpOffer).count() == 1


def test_withdraw_then_offer_again(client):
    request = _posted()
    volunteer = _volunteer()
    path = f"{BOARD}/{request.id}/offers"
    first = _post(client, path, volunteer, json={"message": "我来"}).json
    response = _post(client, f"/api/v1/help-offers/{first['id']}/withdraw", volunteer)
    assert response.status_code == 200 and response.json["status"] == "withdrawn"
    assert client.get(f"{BOARD}/{request.id}").json["offer_count"] == 0
    again = _post(client, path, volunteer, json={"message": "还是我来"})
    assert again.status_code == 201
    assert again.json["id"] == first["id"] and again.json["status"] == "open"
    assert again.json["message"] == "还是我来"
    assert client.get(f"{BOARD}/{request.id}").json["offer_count"] == 1


def test_offers_are_for_volunteers_and_not_on_ones_own_request(client):
    requester = _volunteer()
    request = _posted(requester)
    path = f"{BOARD}/{request.id}/offers"
    own = _post(client, path, requester, json={"message": "自己帮自己"})
    assert own.status_code == 403 and own.json["error"]["code"] == "forbidden"
    resident = _post(client, path, make_user(), json={"message": "我不是志愿者"})
    assert resident.status_code == 403
    assert db.session.query(HelpOffer).count() == 0


@pytest.mark.parametrize("state", ["matched", "completed", "cancelled"])
def test_offering_on_a_request_that_is_not_open_is_a_conflict(client, state):
    if state == "matched":
        request, _ = _matched()
    elif state == "completed":
        request, _ = _completed()
    else:
        request = _posted()
        help_requests.cancel_request(request, request.requester)
        db.session.commit()
    response = _post(client, f"{BOARD}/{request.id}/offers", _volunteer(),
                     json={"message": "我来"})
    assert response.status_code == 409


@pytest.mark.parametrize(("body", "field"), [
    ({}, "message"), ({"message": ""}, "message"), ({"message": "   "}, "message"),
    ({"message": "x" * 501}, "message"), ({"message": 5}, "message"),
])
def test_offering_names_the_field_that_fails(client, body, field):
    request = _posted()
    response = _post(client, f"{BOARD}/{request.id}/offers", _volunteer(), json=body)
    assert field in error_field(response)


def test_offering_on_an_unknown_request(client):
    response = _post(client, f"{BOARD}/9999/offers", _volunteer(), json={"message": "我来"})
    assert response.status_code == 404


# -- the offers of a request ----------------------------------------------------------------

def test_the_requester_lists_every_offer_with_the_volunteers_figures(client):
    requester = make_user()
    veteran, novice, gone = (_volunteer(display_name=n) for n in ("王师傅", "张师傅", "李师傅"))
    old, _ = _completed(volunteer=veteran)
    help_requests.rate(old, old.requester, 4, "手艺好")
    db.session.add(PointEntry(user_id=veteran.id, branch_id=make_branch().id,
                              reason=PointReason.HOURS_APPROVED, minutes=6000, points=100))
    db.session.commit()
    request = _posted(requester)
    offers = [_offered(request, v, f"{v.display_name}来") for v in (veteran, novice, gone)]
    help_requests.withdraw_offer(offers[2], gone)
    db.session.commit()
    response = _get(client, f"{BOARD}/{request.id}/offers", requester)
    assert response.status_code == 200
    items = response.json["items"]
    assert [i["id"] for i in items] == [o.id for o in offers]
    assert response.json["next_cursor"] is None
    assert [i["status"] for i in items] == ["open", "open", "withdrawn"]
    assert items[0]["volunteer"] == {"id": veteran.id, "display_name": "王师傅"}
    assert items[0]["message"] == "王师傅来"
    assert items[0]["profile"] == {"rating_average": 4.0, "rating_count": 1, "completed": 1,
                                   "approved_hours": 100.0, "stars": 1}
    assert items[1]["profile"] == {"rating_average": None, "rating_count": 0, "completed": 0,
                                   "approved_hours": 0.0, "stars": 0}
    assert items[0]["help_request"]["contact"] == SECRET  # the requester's own


def test_a_volunteer_lists_only_their_own_offer(client):
    request = _posted()
    mine, theirs = _volunteer(), _volunteer()
    offer = _offered(request, mine)
    _offered(request, theirs)
    path = f"{BOARD}/{request.id}/offers"
    items = _get(client, path, mine).json["items"]
    assert [i["id"] for i in items] == [offer.id]
    assert items[0]["help_request"]["contact"] is None
    assert _get(client, path, _volunteer()).json["items"] == []
    assert client.get(path).status_code == 401
    for other in (make_user(), make_user(is_admin=True)):
        assert _get(client, path, other).status_code == 403
    assert _get(client, f"{BOARD}/9999/offers", mine).status_code == 404


def test_the_offers_list_runs_a_fixed_number_of_queries(client, count_queries):
    requester = make_user()
    request = _posted(requester)
    _offered(request)
    path = f"{BOARD}/{request.id}/offers"
    headers = auth(client, requester)
    with count_queries() as few:
        client.get(path, headers=headers)
    for _ in range(5):
        volunteer = _volunteer()
        _completed(volunteer=volunteer)
        _offered(request, volunteer)
    with count_queries() as many:
        response = client.get(path, headers=headers)
    assert len(response.json["items"]) == 6
    assert many.count == few.count


# -- accept and withdraw -------------------------------------------------------------------

def test_the_requester_accepts_one_offer_and_the_others_are_told(client):
    requester = make_user()
    chosen, other, gone = _volunteer(), _volunteer(), _volunteer()
    request = _posted(requester)
    offer = _offered(request, chosen)
    other_offer = _offered(request, other)
    help_requests.withdraw_offer(_offered(request, gone), gone)
    db.session.commit()
    response = _post(client, f"/api/v1/help-offers/{offer.id}/accept", requester)
    assert response.status_code == 200, response.json
    assert response.json["id"] == offer.id and response.json["status"] == "accepted"
    assert response.json["help_request"]["status"] == "matched"
    stored = db.session.get(HelpRequest, request.id)
    assert stored.status == "matched" and stored.volunteer_id == chosen.id
    assert db.session.get(HelpOffer, other_offer.id).status == "closed"
    params = {"help_request_id": request.id, "title": request.title}
    assert _notes("help_offer.accepted") == [(chosen.id, params)]
    assert _notes("help_offer.closed") == [(other.id, params)]
    assert _kinds(gone) == []


def test_only_the_requester_accepts(client):
    requester = make_user()
    volunteer, rival = _volunteer(), _volunteer()
    request = _posted(requester)
    offer = _offered(request, volunteer)
    _offered(request, rival)
    path = f"/api/v1/help-offers/{offer.id}/accept"
    assert client.post(path).status_code == 401
    assert _post(client, path, volunteer).status_code == 403  # one's own offer
    for stranger in (rival, make_user(), make_user(is_admin=True)):
        assert _post(client, path, stranger).status_code == 404
    assert _post(client, "/api/v1/help-offers/9999/accept", requester).status_code == 404
    assert db.session.get(HelpRequest, request.id).status == "open"
    assert _notes("help_offer.accepted") == []


def test_accepting_on_a_matched_request_is_a_conflict(client):
    requester = make_user()
    request = _posted(requester)
    first, second = _offered(request), _offered(request)
    assert _post(client, f"/api/v1/help-offers/{first.id}/accept", requester).status_code == 200
    again = _post(client, f"/api/v1/help-offers/{second.id}/accept", requester)
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    twice = _post(client, f"/api/v1/help-offers/{first.id}/accept", requester)
    assert twice.status_code == 409
    assert db.session.get(HelpRequest, request.id).volunteer_id == first.volunteer_id


def test_accepting_a_withdrawn_offer_is_a_conflict(client):
    requester, volunteer = make_user(), _volunteer()
    request = _posted(requester)
    offer = _offered(request, volunteer)
    help_requests.withdraw_offer(offer, volunteer)
    db.session.commit()
    response = _post(client, f"/api/v1/help-offers/{offer.id}/accept", requester)
    assert response.status_code == 409
    assert db.session.get(HelpRequest, request.id).status == "open"


def test_withdraw_is_the_volunteers_while_open(client):
    requester, volunteer = make_user(), _volunteer()
    request = _posted(requester)
    offer = _offered(request, volunteer)
    path = f"/api/v1/help-offers/{offer.id}/withdraw"
    assert client.post(path).status_code == 401
    assert _post(client, path, requester).status_code == 403
    for stranger in (_volunteer(), make_user(), make_user(is_admin=True)):
        assert _post(client, path, stranger).status_code == 404
    response = _post(client, path, volunteer)
    assert response.status_code == 200 and response.json["status"] == "withdrawn"
    assert response.json["help_request"]["contact"] is None
    assert _post(client, path, volunteer).status_code == 409
    accepted = _offered(_posted(requester), volunteer)
    help_requests.accept_offer(accepted, requester)
    db.session.commit()
    response = _post(client, f"/api/v1/help-offers/{accepted.id}/withdraw", volunteer)
    assert response.status_code == 409
    assert db.session.get(HelpOffer, accepted.id).status == "accepted"


# -- complete, cancel, confirm --------------------------------------------------------------

@pytest.mark.parametrize("by", ["requester", "volunteer"])
def test_either_side_completes_a_matched_request_and_the_other_is_told(client, by):
    requester, volunteer = make_user(), _volunteer()
    request, _ = _matched(requester, volunteer)
    actor, other = (requester, volunteer) if by == "requester" else (volunteer, requester)
    response = _post(client, f"{BOARD}/{request.id}/complete", actor)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "completed" and response.json["ended_at"]
    assert _notes("help_request.completed") == [(other.id, {"help_request_id": request.id,
                                                            "title": request.title})]
    assert _post(client, f"{BOARD}/{request.id}/complete", actor).status_code == 409


def test_completing_an_open_request_is_a_conflict(client):
    requester = make_user()
    request = _posted(requester)
    _offered(request)
    response = _post(client, f"{BOARD}/{request.id}/complete", requester)
    assert response.status_code == 409
    assert db.session.get(HelpRequest, request.id).status == "open"


def test_completing_is_for_the_two_sides(client):
    request, offer = _matched()
    path = f"{BOARD}/{request.id}/complete"
    assert client.post(path).status_code == 401
    for stranger in (make_user(), _volunteer(), make_user(is_admin=True)):
        assert _post(client, path, stranger).status_code == 403
    assert _post(client, f"{BOARD}/9999/complete", request.requester).status_code == 404
    assert db.session.get(HelpRequest, request.id).status == "matched"


@pytest.mark.parametrize("state", ["open", "matched"])
def test_the_requester_cancels_and_the_volunteers_are_told(client, state):
    requester = make_user()
    volunteers = [_volunteer(), _volunteer()]
    request = _posted(requester)
    offers = [_offered(request, v) for v in volunteers]
    if state == "matched":
        help_requests.accept_offer(offers[0], requester)
        db.session.commit()
    response = _post(client, f"{BOARD}/{request.id}/cancel", requester)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "cancelled" and response.json["offer_count"] == 0
    told = {user_id for user_id, _ in _notes("help_request.cancelled")}
    assert told == ({volunteers[0].id} if state == "matched" else
                    {v.id for v in volunteers})
    assert {db.session.get(HelpOffer, o.id).status for o in offers} == {"closed"}
    assert _post(client, f"{BOARD}/{request.id}/cancel", requester).status_code == 409


def test_cancelling_is_the_requesters(client):
    request, offer = _matched()
    path = f"{BOARD}/{request.id}/cancel"
    assert client.post(path).status_code == 401
    for other in (offer.volunteer, make_user(), make_user(is_admin=True)):
        assert _post(client, path, other).status_code == 403
    completed, _ = _completed()
    assert _post(client, f"{BOARD}/{completed.id}/cancel",
                 completed.requester).status_code == 409
    assert db.session.get(HelpRequest, request.id).status == "matched"


def test_the_requester_confirms_it_happened_once(client):
    request, offer = _completed()
    path = f"{BOARD}/{request.id}/confirm-happened"
    assert _post(client, path, offer.volunteer).status_code == 403
    response = _post(client, path, request.requester)
    assert response.status_code == 200 and response.json["resident_confirmed_at"]
    assert _post(client, path, request.requester).status_code == 409
    matched, _ = _matched()
    assert _post(client, f"{BOARD}/{matched.id}/confirm-happened",
                 matched.requester).status_code == 409


@pytest.mark.parametrize("action", ["complete", "cancel", "confirm-happened", "feedback"])
def test_hidden_requests_are_not_there_for_strangers(client, action):
    request, offer = _matched()
    help_requests.hide_request(request, make_user(is_admin=True), "重复发布")
    db.session.commit()
    kwargs = {"json": {"rating": 5}} if action == "feedback" else {}
    response = _post(client, f"{BOARD}/{request.id}/{action}", make_user(), **kwargs)
    assert response.status_code == 404


# -- feedback -----------------------------------------------------------------------------

def test_feedback_once_after_completion(client):
    requester, volunteer = make_user(), _volunteer()
    request, _ = _completed(requester, volunteer)
    path = f"{BOARD}/{request.id}/feedback"
    response = _post(client, path, requester, json={"rating": 5, "comment": "二十分钟就到了"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["rating"] == 5 and body["comment"] == "二十分钟就到了"
    assert body["help_request_id"] == request.id and isinstance(body["id"], int)
    stored = db.session.scalar(sa.select(Feedback))
    assert stored.volunteer_id == volunteer.id and stored.resident_id == requester.id
    again = _post(client, path, requester, json={"rating": 4})
    assert again.status_code == 409
    assert db.session.query(Feedback).count() == 1
    detail = _get(client, f"{BOARD}/{request.id}", requester).json
    assert detail["rated"] is True and detail["resident_confirmed_at"]


@pytest.mark.parametrize("state", ["open", "matched", "cancelled"])
def test_feedback_before_completion_is_a_conflict(client, state):
    requester = make_user()
    if state == "matched":
        request, _ = _matched(requester)
    else:
        request = _posted(requester)
        if state == "cancelled":
            help_requests.cancel_request(request, requester)
            db.session.commit()
    response = _post(client, f"{BOARD}/{request.id}/feedback", requester, json={"rating": 5})
    assert response.status_code == 409
    assert db.session.query(Feedback).count() == 0


def test_feedback_is_the_requesters(client):
    request, offer = _completed()
    path = f"{BOARD}/{request.id}/feedback"
    assert client.post(path, json={"rating": 5}).status_code == 401
    for other in (offer.volunteer, make_user(), make_user(is_admin=True)):
        assert _post(client, path, other, json={"rating": 5}).status_code == 403
    assert db.session.query(Feedback).count() == 0


@pytest.mark.parametrize(("body", "field"), [
    ({}, "rating"), ({"rating": 0}, "rating"), ({"rating": 6}, "rating"),
    ({"rating": "5"}, "rating"), ({"rating": 4.5}, "rating"), ({"rating": True}, "rating"),
    ({"rating": 5, "comment": "x" * 501}, "comment"),
])
def test_feedback_names_the_field_that_fails(client, body, field):
    request, _ = _completed()
    response = _post(client, f"{BOARD}/{request.id}/feedback", request.requester, json=body)
    assert field in error_field(response)


# -- the caller's own -------------------------------------------------------------------

def test_my_requests_newest_first_hidden_ones_too(client):
    requester = make_user()
    first = _posted(requester, title="修水管")
    matched, offer = _matched(requester)
    hidden = _posted(requester, title="重复的求助")
    help_requests.hide_request(hidden, make_user(is_admin=True), "重复发布")
    db.session.commit()
    _posted()  # someone else's
    response = _get(client, "/api/v1/me/help-requests", requester)
    assert response.status_code == 200
    items = response.json["items"]
    assert [i["id"] for i in items] == [hidden.id, matched.id, first.id]
    assert items[0]["hidden"] is True and items[2]["title"] == "修水管"
    assert items[1]["status"] == "matched"
    assert items[1]["volunteer"] == {"id": offer.volunteer_id,
                                     "display_name": offer.volunteer.display_name}
    assert all(i["contact"] == SECRET for i in items)
    assert client.get("/api/v1/me/help-requests").status_code == 401


def test_my_requests_page(client):
    requester = make_user()
    posted = [_posted(requester) for _ in range(3)]
    headers = auth(client, requester)
    first = client.get("/api/v1/me/help-requests?limit=2", headers=headers).json
    assert [i["id"] for i in first["items"]] == [posted[2].id, posted[1].id]
    rest = client.get(f"/api/v1/me/help-requests?limit=2&cursor={first['next_cursor']}",
                      headers=headers).json
    assert [i["id"] for i in rest["items"]] == [posted[0].id] and rest["next_cursor"] is None
    assert "cursor" in error_field(client.get("/api/v1/me/help-requests?cursor=%%%",
                                              headers=headers))
    assert "limit" in error_field(client.get("/api/v1/me/help-requests?limit=101",
                                             headers=headers))


def test_my_requests_run_a_fixed_number_of_queries(client, count_queries):
    requester = make_user()
    _posted(requester)
    headers = auth(client, requester)
    with count_queries() as few:
        client.get("/api/v1/me/help-requests", headers=headers)
    for slug in ("legal", "health"):
        _posted(requester, category_id=_category(slug).id)
    _matched(requester)
    request, _ = _completed(requester)
    help_requests.rate(request, requester, 5, None)
    db.session.commit()
    with count_queries() as many:
        response = client.get("/api/v1/me/help-requests", headers=headers)
    assert len(response.json["items"]) == 5
    assert many.count == few.count


def test_my_offers_newest_first_with_the_contact_once_accepted(client):
    volunteer = _volunteer()
    waiting = _offered(_posted(title="修水管"), volunteer)
    request, accepted = _matched(volunteer=volunteer)
    lost_request = _posted()
    lost = _offered(lost_request, volunteer)
    help_requests.accept_offer(_offered(lost_request), lost_request.requester)
    db.session.commit()
    _offered(_posted())  # someone else's
    response = _get(client, "/api/v1/me/help-offers", volunteer)
    assert response.status_code == 200
    items = response.json["items"]
    assert [i["id"] for i in items] == [lost.id, accepted.id, waiting.id]
    assert [i["status"] for i in items] == ["closed", "accepted", "open"]
    # Masked in the list; GET /help-requests/{id} has the whole one (test_privacy.py).
    assert items[1]["help_request"]["contact"] == mask_contact(SECRET) != SECRET
    assert items[1]["help_request"]["contact_masked"] is True
    assert items[1]["help_request"]["status"] == "matched"
    assert items[0]["help_request"]["contact"] is None
    assert items[2]["help_request"]["contact"] is None
    assert items[2]["help_request"]["title"] == "修水管"
    assert client.get("/api/v1/me/help-offers").status_code == 401


def test_my_offers_page(client):
    volunteer = _volunteer()
    offers = [_offered(_posted(), volunteer) for _ in range(3)]
    headers = auth(client, volunteer)
    first = client.get("/api/v1/me/help-offers?limit=2", headers=headers).json
    assert [i["id"] for i in first["items"]] == [offers[2].id, offers[1].id]
    rest = client.get(f"/api/v1/me/help-offers?limit=2&cursor={first['next_cursor']}",
                      headers=headers).json
    assert [i["id"] for i in rest["items"]] == [offers[0].id] and rest["next_cursor"] is None
    assert "limit" in error_field(client.get("/api/v1/me/help-offers?limit=0",
                                             headers=headers))


def test_my_offers_run_a_fixed_number_of_queries(client, count_queries):
    volunteer = _volunteer()
    _offered(_posted(), volunteer)
    headers = auth(client, volunteer)
    with count_queries() as few:
        client.get("/api/v1/me/help-offers", headers=headers)
    for _ in range(2):
        _offered(_posted(make_user()), volunteer)
        _matched(volunteer=volunteer)
    _completed(volunteer=volunteer)
    with count_queries() as many:
        response = client.get("/api/v1/me/help-offers", headers=headers)
    assert len(response.json["items"]) == 6
    assert many.count == few.count


# -- contact privacy, across every endpoint ------------------------------------------------

def test_nobody_else_ever_sees_the_contact(client):
    """Anonymous callers, other residents, other volunteers and a volunteer
    whose offer was not accepted, on every endpoint that shows requests or
    offers, in every status of the request."""
    requester = make_user()
    chosen, passed_over = _volunteer(), _volunteer()
    request = _posted(requester)
    chosen_offer = _offered(request, chosen)
    passed_offer = _offered(request, passed_over)
    others = [None, make_user(), _volunteer(), passed_over]

    def paths():
        return [BOARD, f"{BOARD}?status={request.status}", f"{BOARD}/{request.id}",
                f"{BOARD}/{request.id}/offers", "/api/v1/me/help-requests",
                "/api/v1/me/help-offers"]

    def nobody_else_sees_it():
        for other in others:
            headers = auth(client, other) if other else {}
            for path in paths():
                text = client.get(path, headers=headers).get_data(as_text=True)
                assert SECRET not in text, (path, other and other.username)

    nobody_else_sees_it()
    assert _get(client, f"{BOARD}/{request.id}", chosen).json["contact"] is None
    text = _post(client, f"{BOARD}/{request.id}/offers", _volunteer(),
                 json={"message": "我也来"}).get_data(as_text=True)
    assert SECRET not in text

    accepted = _post(client, f"/api/v1/help-offers/{chosen_offer.id}/accept", requester)
    assert accepted.status_code == 200
    nobody_else_sees_it()
    refused = _post(client, f"/api/v1/help-offers/{passed_offer.id}/withdraw", passed_over)
    assert refused.status_code == 409 and SECRET not in refused.get_data(as_text=True)
    assert SECRET in _get(client, f"{BOARD}/{request.id}", chosen).get_data(as_text=True)
    listed = _get(client, "/api/v1/me/help-offers", chosen).get_data(as_text=True)
    assert SECRET not in listed and mask_contact(SECRET) in listed

    assert _post(client, f"{BOARD}/{request.id}/complete", chosen).status_code == 200
    nobody_else_sees_it()


# -- the whole story ----------------------------------------------------------------------

def test_the_steam_pipe_story(client):
    """A firm posts an urgent need for welders; two volunteers offer; the
    firm accepts one; the other is told; the accepted one calls, fixes it,
    marks it done; the firm rates the work."""
    firm = make_user(display_name="雷甸热电厂")
    wang, zhang = _volunteer(display_name="王师傅"), _volunteer(display_name="张师傅")
    _posted(title="楼道杂物清理", urgency="low")
    firm_headers = auth(client, firm)

    posted = client.post(BOARD, headers=firm_headers, json=_body())
    assert posted.status_code == 201, posted.json
    request_id = posted.json["id"]
    board = client.get(f"{BOARD}?community=雷甸").json["items"]
    assert board[0]["id"] == request_id and board[0]["urgency"] == "high"

    offer_ids = {}
    for welder in (wang, zhang):
        response = client.post(f"{BOARD}/{request_id}/offers", headers=auth(client, welder),
                               json={"message": f"{welder.display_name}:有焊机,二十分钟到"})
        assert response.status_code == 201
        offer_ids[welder.id] = response.json["id"]
    assert _kinds(firm) == ["help_offer.created"] * 2

    listed = client.get(f"{BOARD}/{request_id}/offers", headers=firm_headers).json["items"]
    assert [o["volunteer"]["display_name"] for o in listed] == ["王师傅", "张师傅"]
    assert all(o["profile"]["completed"] == 0 for o in listed)

    accepted = client.post(f"/api/v1/help-offers/{offer_ids[wang.id]}/accept",
                           headers=firm_headers)
    assert accepted.status_code == 200 and accepted.json["help_request"]["status"] == "matched"
    assert _kinds(wang) == ["help_offer.accepted"]
    assert _kinds(zhang) == ["help_offer.closed"]

    wang_headers = auth(client, wang)
    seen_by_wang = client.get(f"{BOARD}/{request_id}", headers=wang_headers).json
    assert seen_by_wang["contact"] == SECRET and seen_by_wang["status"] == "matched"
    seen_by_zhang = client.get(f"{BOARD}/{request_id}", headers=auth(client, zhang)).json
    assert seen_by_zhang["contact"] is None
    zhang_offers = client.get("/api/v1/me/help-offers", headers=auth(client, zhang)).json
    assert zhang_offers["items"][0]["status"] == "closed"

    done = client.post(f"{BOARD}/{request_id}/complete", headers=wang_headers)
    assert done.status_code == 200 and done.json["status"] == "completed"
    assert _kinds(firm)[-1] == "help_request.completed"

    rated = client.post(f"{BOARD}/{request_id}/feedback", headers=firm_headers,
                        json={"rating": 5, "comment": "二十分钟就到了,焊得很牢"})
    assert rated.status_code == 201
    final = client.get(f"{BOARD}/{request_id}", headers=firm_headers).json
    assert final["status"] == "completed" and final["rated"] is True
    assert final["volunteer"] == {"id": wang.id, "display_name": "王师傅"}
    figures = client.get(f"{BOARD}/{request_id}/offers", headers=firm_headers).json["items"]
    assert figures[0]["profile"] == {"rating_average": 5.0, "rating_count": 1, "completed": 1,
                                     "approved_hours": 0.0, "stars": 0}
    assert [o["status"] for o in figures] == ["accepted", "closed"]
    assert client.get(f"{BOARD}?status=completed").json["items"][0]["id"] == request_id
