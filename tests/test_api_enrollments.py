"""Enrollments over the API: join, the waitlist, the volunteer's steps,
ratings, the lists, and who may read a contact (API.md "enrollments")."""


import pytest

from marketplace.enrollments import services as enrollments
from marketplace.enrollments.models import Enrollment
from marketplace.extensions import db
from marketplace.feedback.models import Feedback
from marketplace.listings.models import ServiceStatus

from .api_helpers import PHONE, auth, error_field, not_open
from .conftest import IsolatedClient
from .factories import make_service, make_user
from .limits_helpers import limited_app


def _volunteer(**overrides):
    return make_user(is_volunteer=True, **overrides)


def _join(client, service, user, contact=PHONE, note=None):
    body = {"contact": contact} | ({"note": note} if note else {})
    return client.post(f"/api/v1/services/{service.id}/enrollments", json=body,
                       headers=auth(client, user))


def _joined(service, resident=None, contact=PHONE, note=None):
    """A resident joined through the domain (setup, not the thing tested)."""
    enrollment = enrollments.join(service.id, resident or make_user(), contact, note)
    db.session.commit()
    return enrollment


def _completed(service, resident=None):
    enrollment = _joined(service, resident)
    if enrollment.status == "pending":
        enrollments.confirm(enrollment, service.volunteer)
    enrollments.complete(enrollment, service.volunteer)
    db.session.commit()
    return enrollment


def _post(client, enrollment, action, user, **kwargs):
    return client.post(f"/api/v1/enrollments/{enrollment.id}/{action}",
                       headers=auth(client, user), **kwargs)


# -- join --------------------------------------------------------------------

def test_join_takes_a_pending_place(client):
    service = make_service(capacity=2)
    resident = make_user(display_name="张阿姨")
    response = _join(client, service, resident, note="下午在家")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "pending" and body["waitlist_position"] is None
    assert body["resident"] == {"id": resident.id, "display_name": "张阿姨"}
    assert body["service"]["id"] == service.id and body["note"] == "下午在家"
    assert body["contact"] == PHONE  # the resident reads back what they wrote
    enrollment = db.session.get(Enrollment, body["id"])
    assert enrollment.resident_id == resident.id and enrollment.contact == PHONE
    assert client.get(f"/api/v1/services/{service.id}").json["places_left"] == 1


def test_join_an_auto_confirmed_service(client):
    service = make_service(auto_confirm=True)
    assert _join(client, service, make_user()).json["status"] == "confirmed"


def test_join_needs_a_token(client):
    service = make_service()
    response = client.post(f"/api/v1/services/{service.id}/enrollments",
                           json={"contact": PHONE})
    assert response.status_code == 401


def test_joining_twice_is_a_conflict(client):
    service = make_service()
    resident = make_user()
    assert _join(client, service, resident).status_code == 201
    response = _join(client, service, resident)
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"


def test_nobody_joins_their_own_service(client):
    volunteer = _volunteer()
    service = make_service(volunteer)
    response = _join(client, service, volunteer)
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("state", ["closed", "draft", "paused", "hidden", "ended"])
def test_joining_a_service_that_is_not_open_is_a_conflict(client, state):
    service = make_service(**not_open(state))
    assert _join(client, service, make_user()).status_code == 409
    assert db.session.query(Enrollment).count() == 0


def test_joining_an_unknown_service(client):
    response = client.post("/api/v1/services/9999/enrollments", json={"contact": PHONE},
                           headers=auth(client, make_user()))
    assert response.status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({}, "contact"),
    ({"contact": "123"}, "contact"),
    ({"contact": "call me please"}, "contact"),
    ({"contact": PHONE, "note": "x" * 501}, "note"),
    ({"contact": 13800138000}, "contact"),
])
def test_join_names_the_field_that_fails(client, body, field):
    service = make_service()
    response = client.post(f"/api/v1/services/{service.id}/enrollments", json=body,
                           headers=auth(client, make_user()))
    assert field in error_field(response)


def test_join_with_malformed_json_is_a_bad_request(client):
    service = make_service()
    response = client.post(f"/api/v1/services/{service.id}/enrollments", data="{x",
                           content_type="application/json", headers=auth(client, make_user()))
    assert response.status_code == 400


# -- the waitlist ------------------------------------------------------------

def test_each_join_is_told_its_place_at_the_end_of_the_waitlist(client):
    service = make_service(capacity=1, auto_confirm=True)
    answers = [_join(client, service, make_user()).json for _ in range(4)]
    assert [a["waitlist_position"] for a in answers] == [None, 1, 2, 3]
    # The same positions as reading them back.
    reread = client.get(f"/api/v1/enrollments/{answers[3]['id']}",
                        headers=auth(client, service.volunteer))
    assert reread.json["waitlist_position"] == 3


@pytest.mark.parametrize(("auto_confirm", "promoted_to"), [(False, "pending"),
                                                            (True, "confirmed")])
def test_waitlist_and_promotion(client, auto_confirm, promoted_to):
    service = make_service(capacity=1, auto_confirm=auto_confirm)
    first, second, third = make_user(), make_user(), make_user()
    first_id = _join(client, service, first).json["id"]
    response = _join(client, service, second)
    assert response.json["status"] == "waitlisted" and response.json["waitlist_position"] == 1
    second_id = response.json["id"]
    third_id = _join(client, service, third).json["id"]
    detail = client.get(f"/api/v1/services/{service.id}").json
    assert detail["places_left"] == 0 and detail["waitlist_length"] == 2

    response = client.post(f"/api/v1/enrollments/{first_id}/cancel",
                           headers=auth(client, first))
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    promoted = client.get(f"/api/v1/enrollments/{second_id}", headers=auth(client, second))
    assert promoted.json["status"] == promoted_to
    assert promoted.json["waitlist_position"] is None
    moved_up = client.get(f"/api/v1/enrollments/{third_id}", headers=auth(client, third))
    assert moved_up.json["status"] == "waitlisted" and moved_up.json["waitlist_position"] == 1
    assert client.get(f"/api/v1/services/{service.id}").json["waitlist_length"] == 1


# -- the volunteer's list ------------------------------------------------------------

def test_the_volunteer_lists_who_joined_with_live_contacts(client):
    volunteer = _volunteer()
    service = make_service(volunteer, capacity=1)
    live = _joined(service, make_user(display_name="张阿姨"), "13800000001")
    waiting = _joined(service, contact="13800000002")
    gone = _joined(service, contact="13800000003")
    enrollments.cancel(gone, gone.resident)
    db.session.commit()
    response = client.get(f"/api/v1/services/{service.id}/enrollments",
                          headers=auth(client, volunteer))
    assert response.status_code == 200
    items = {item["id"]: item for item in response.json["items"]}
    assert list(items) == [live.id, waiting.id, gone.id]  # the waitlist's order
    # Masked in the list: GET /enrollments/{id} has the whole one (test_privacy.py).
    assert items[live.id]["contact"] == "138****0001" and items[live.id]["contact_masked"]
    assert items[live.id]["resident"] == {"id": live.resident_id, "display_name": "张阿姨"}
    assert items[waiting.id]["contact"] == "138****0002"
    assert items[waiting.id]["waitlist_position"] == 1
    assert items[gone.id]["status"] == "cancelled" and items[gone.id]["contact"] is None
    assert "13800000003" not in response.get_data(as_text=True)


def test_the_volunteers_list_filters_and_pages(client):
    volunteer = _volunteer()
    service = make_service(volunteer, capacity=2)
    joined = [_joined(service) for _ in range(4)]
    path = f"/api/v1/services/{service.id}/enrollments"
    headers = auth(client, volunteer)
    waiting = client.get(f"{path}?status=waitlisted", headers=headers).json["items"]
    assert [(e["id"], e["waitlist_position"]) for e in waiting] == [(joined[2].id, 1),
                                                                   (joined[3].id, 2)]
    both = client.get(f"{path}?status=pending&status=waitlisted&limit=3", headers=headers)
    assert [e["id"] for e in both.json["items"]] == [e.id for e in joined[:3]]
    rest = client.get(f"{path}?limit=3&cursor={both.json['next_cursor']}", headers=headers)
    assert [e["id"] for e in rest.json["items"]] == [joined[3].id]
    assert rest.json["next_cursor"] is None
    assert "status" in error_field(client.get(f"{path}?status=gone", headers=headers))
    assert "limit" in error_field(client.get(f"{path}?limit=0", headers=headers))


def test_only_the_volunteer_and_admins_list_a_services_enrollments(client):
    volunteer = _volunteer()
    service = make_service(volunteer)
    resident = make_user()
    _joined(service, resident)
    path = f"/api/v1/services/{service.id}/enrollments"
    assert client.get(path).status_code == 401
    for other in (resident, make_user(), _volunteer()):
        assert client.get(path, headers=auth(client, other)).status_code == 403
    admin = client.get(path, headers=auth(client, make_user(is_admin=True)))
    assert admin.status_code == 200 and admin.json["items"][0]["contact"] == "138****8000"
    assert client.get("/api/v1/services/9999/enrollments",
                      headers=auth(client, volunteer)).status_code == 404
    draft = make_service(volunteer, status=ServiceStatus.DRAFT)
    response = client.get(f"/api/v1/services/{draft.id}/enrollments",
                          headers=auth(client, make_user()))
    assert response.status_code == 404


def test_the_volunteers_list_runs_a_fixed_number_of_queries(client, count_queries):
    volunteer = _volunteer()
    service = make_service(volunteer, capacity=1)
    _joined(service)
    _joined(service)  # a waitlisted one: its position costs a query on both counts
    headers = auth(client, volunteer)
    path = f"/api/v1/services/{service.id}/enrollments"
    with count_queries() as few:
        client.get(path, headers=headers)
    for _ in range(5):
        _joined(service)
    with count_queries() as many:
        response = client.get(path, headers=headers)
    assert len(response.json["items"]) == 7
    assert many.count == few.count


# -- one enrollment ------------------------------------------------------------

def test_an_enrollment_is_seen_by_its_resident_volunteer_and_admins(client):
    volunteer = _volunteer()
    service = make_service(volunteer)
    resident = make_user()
    enrollment = _joined(service, resident)
    path = f"/api/v1/enrollments/{enrollment.id}"
    for viewer in (resident, volunteer, make_user(is_admin=True)):
        response = client.get(path, headers=auth(client, viewer))
        assert response.status_code == 200
        assert response.json["contact"] == PHONE and response.json["status"] == "pending"
    assert client.get(path).status_code == 401
    for stranger in (make_user(), _volunteer()):
        response = client.get(path, headers=auth(client, stranger))
        assert response.status_code == 404 and PHONE not in response.get_data(as_text=True)
    assert client.get("/api/v1/enrollments/9999",
                      headers=auth(client, resident)).status_code == 404


@pytest.mark.parametrize("ending", ["cancel", "decline", "complete", "no_show"])
def test_the_volunteer_loses_the_contact_once_it_is_not_live(client, ending):
    """And the note, where residents write their address ("住3号楼")."""
    volunteer = _volunteer()
    service = make_service(volunteer, auto_confirm=True)
    resident = make_user()
    enrollment = _joined(service, resident, note="住3号楼2单元")
    path = f"/api/v1/enrollments/{enrollment.id}"
    assert client.get(path, headers=auth(client, volunteer)).json["note"] == "住3号楼2单元"
    if ending == "cancel":
        enrollments.cancel(enrollment, resident)
    else:
        getattr(enrollments, ending)(enrollment, volunteer)
    db.session.commit()
    response = client.get(path, headers=auth(client, volunteer))
    assert response.status_code == 200 and response.json["contact"] is None
    assert response.json["note"] is None
    assert PHONE not in response.get_data(as_text=True)
    listed = client.get(f"/api/v1/services/{service.id}/enrollments",
                        headers=auth(client, volunteer))
    assert PHONE not in listed.get_data(as_text=True)
    assert "3号楼" not in listed.get_data(as_text=True)
    assert client.get(path, headers=auth(client, resident)).json["contact"] == PHONE
    assert client.get(path, headers=auth(client, resident)).json["note"] == "住3号楼2单元"
    admin = client.get(path, headers=auth(client, make_user(is_admin=True)))
    assert admin.json["contact"] == PHONE


# -- the steps after joining ------------------------------------------------------

def test_the_volunteer_confirms_then_completes(client):
    volunteer = _volunteer()
    service = make_service(volunteer)
    enrollment = _joined(service)
    response = _post(client, enrollment, "confirm", volunteer)
    assert response.status_code == 200 and response.json["status"] == "confirmed"
    assert _post(client, enrollment, "confirm", volunteer).status_code == 409
    response = _post(client, enrollment, "complete", volunteer)
    assert response.status_code == 200 and response.json["status"] == "completed"
    assert client.get(f"/api/v1/services/{service.id}").json["completed_count"] == 1


def test_the_volunteer_declines_and_the_waitlist_moves_up(client):
    volunteer = _volunteer()
    service = make_service(volunteer, capacity=1)
    first, waiting = _joined(service), _joined(service)
    response = _post(client, first, "decline", volunteer)
    assert response.status_code == 200 and response.json["status"] == "declined"
    assert db.session.get(Enrollment, waiting.id).status == "pending"
    assert _post(client, first, "decline", volunteer).status_code == 409


def test_no_show(client):
    volunteer = _volunteer()
    service = make_service(volunteer, auto_confirm=True)
    enrollment = _joined(service)
    response = _post(client, enrollment, "no-show", volunteer)
    assert response.status_code == 200 and response.json["status"] == "no_show"


def test_complete_and_no_show_need_a_confirmed_place(client):
    volunteer = _volunteer()
    enrollment = _joined(make_service(volunteer))
    assert _post(client, enrollment, "complete", volunteer).status_code == 409
    assert _post(client, enrollment, "no-show", volunteer).status_code == 409


def test_the_resident_cancels_once(client):
    resident = make_user()
    enrollment = _joined(make_service(), resident)
    response = _post(client, enrollment, "cancel", resident)
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    assert _post(client, enrollment, "cancel", resident).status_code == 409


@pytest.mark.parametrize(("action", "who"), [
    ("cancel", "volunteer"), ("cancel", "admin"),
    ("confirm", "resident"), ("decline", "resident"), ("complete", "resident"),
    ("no-show", "resident"), ("confirm", "admin"),
])
def test_each_step_is_for_its_own_party(client, action, who):
    volunteer = _volunteer()
    resident = make_user()
    enrollment = _joined(make_service(volunteer, auto_confirm=True), resident)
    actor = {"volunteer": volunteer, "resident": resident,
             "admin": make_user(is_admin=True)}[who]
    response = _post(client, enrollment, action, actor)
    assert response.status_code == 403
    assert db.session.get(Enrollment, enrollment.id).status == "confirmed"


@pytest.mark.parametrize("action", ["cancel", "confirm", "decline", "complete", "no-show",
                                    "confirm-happened", "feedback"])
def test_strangers_are_not_told_an_enrollment_exists(client, action):
    enrollment = _joined(make_service())
    kwargs = {"json": {"rating": 5}} if action == "feedback" else {}
    assert client.post(f"/api/v1/enrollments/{enrollment.id}/{action}",
                       **kwargs).status_code == 401
    for stranger in (make_user(), _volunteer()):
        response = _post(client, enrollment, action, stranger, **kwargs)
        assert response.status_code == 404
    unknown = client.post(f"/api/v1/enrollments/9999/{action}",
                          headers=auth(client, make_user()), **kwargs)
    assert unknown.status_code == 404


def test_the_resident_confirms_it_happened_once(client):
    service = make_service(auto_confirm=True)
    resident = make_user()
    enrollment = _completed(service, resident)
    response = _post(client, enrollment, "confirm-happened", resident)
    assert response.status_code == 200 and response.json["resident_confirmed_at"]
    assert _post(client, enrollment, "confirm-happened", resident).status_code == 409


# -- feedback -------------------------------------------------------------------

def test_feedback_once_after_completion(client):
    service = make_service(auto_confirm=True)
    resident = make_user()
    enrollment = _completed(service, resident)
    response = _post(client, enrollment, "feedback", resident,
                     json={"rating": 4, "comment": "手艺很好"})
    assert response.status_code == 201, response.json
    assert response.json["rating"] == 4 and response.json["comment"] == "手艺很好"
    assert response.json["enrollment_id"] == enrollment.id
    assert client.get(f"/api/v1/services/{service.id}").json["rating"] == {"average": 4.0,
                                                                          "count": 1}
    again = _post(client, enrollment, "feedback", resident, json={"rating": 5})
    assert again.status_code == 409
    assert db.session.query(Feedback).count() == 1
    mine = client.get(f"/api/v1/enrollments/{enrollment.id}", headers=auth(client, resident))
    assert mine.json["rated"] is True


@pytest.mark.parametrize("state", ["pending", "confirmed", "cancelled"])
def test_feedback_before_completion_is_a_conflict(client, state):
    volunteer = _volunteer()
    resident = make_user()
    enrollment = _joined(make_service(volunteer), resident)
    if state == "confirmed":
        enrollments.confirm(enrollment, volunteer)
    elif state == "cancelled":
        enrollments.cancel(enrollment, resident)
    db.session.commit()
    response = _post(client, enrollment, "feedback", resident, json={"rating": 5})
    assert response.status_code == 409


def test_feedback_is_the_residents(client):
    service = make_service(auto_confirm=True)
    enrollment = _completed(service)
    response = _post(client, enrollment, "feedback", service.volunteer, json={"rating": 5})
    assert response.status_code == 403


@pytest.mark.parametrize(("body", "field"), [
    ({}, "rating"), ({"rating": 0}, "rating"), ({"rating": 6}, "rating"),
    ({"rating": "5"}, "rating"), ({"rating": 4.5}, "rating"),
    ({"rating": 5, "comment": "x" * 501}, "comment"),
])
def test_feedback_names_the_field_that_fails(client, body, field):
    resident = make_user()
    enrollment = _completed(make_service(auto_confirm=True), resident)
    response = _post(client, enrollment, "feedback", resident, json=body)
    assert field in error_field(response)
    malformed = _post(client, enrollment, "feedback", resident, data="{",
                      content_type="application/json")
    assert malformed.status_code == 400


# -- my enrollments ---------------------------------------------------------------

def test_my_enrollments_newest_first_with_waitlist_positions(client):
    resident = make_user()
    full = make_service(capacity=1, title="满员的讲座")
    _joined(full)
    first = _joined(make_service(), resident)
    waiting = _joined(full, resident)
    _joined(make_service())  # someone else's
    response = client.get("/api/v1/me/enrollments", headers=auth(client, resident))
    assert response.status_code == 200
    items = response.json["items"]
    assert [e["id"] for e in items] == [waiting.id, first.id]
    assert items[0]["service"] == {"id": full.id, "title": "满员的讲座",
                                   "starts_at": full.starts_at.isoformat()}
    assert items[0]["status"] == "waitlisted" and items[0]["waitlist_position"] == 1
    assert items[1]["status"] == "pending" and items[1]["waitlist_position"] is None
    assert client.get("/api/v1/me/enrollments").status_code == 401


def test_my_enrollments_pages(client):
    resident = make_user()
    joined = [_joined(make_service(), resident) for _ in range(3)]
    headers = auth(client, resident)
    first = client.get("/api/v1/me/enrollments?limit=2", headers=headers).json
    assert [e["id"] for e in first["items"]] == [joined[2].id, joined[1].id]
    rest = client.get(f"/api/v1/me/enrollments?limit=2&cursor={first['next_cursor']}",
                      headers=headers).json
    assert [e["id"] for e in rest["items"]] == [joined[0].id] and rest["next_cursor"] is None
    bad = client.get("/api/v1/me/enrollments?cursor=%%%", headers=headers)
    assert "cursor" in error_field(bad)


def test_my_enrollments_run_a_fixed_number_of_queries(client, count_queries):
    resident = make_user()
    full = make_service(capacity=1)
    _joined(full)
    _joined(full, resident)
    headers = auth(client, resident)
    with count_queries() as few:
        client.get("/api/v1/me/enrollments", headers=headers)
    for _ in range(3):
        _joined(make_service(capacity=1))
        _joined(make_service(capacity=1), resident)
        service = make_service(capacity=1)
        _joined(service)
        _joined(service, resident)
    with count_queries() as many:
        response = client.get("/api/v1/me/enrollments", headers=headers)
    assert len(response.json["items"]) == 7
    assert many.count == few.count


# -- contact privacy, across every endpoint ------------------------------------------

def test_nobody_else_ever_sees_a_contact(client):
    """Other residents, other volunteers and anonymous callers, on every
    endpoint that shows services or enrollments."""
    secret = "13912345678"
    volunteer = _volunteer()
    service = make_service(volunteer, capacity=1)
    resident = make_user()
    enrollment = _joined(service, resident, contact=secret)
    waiting = _joined(service, contact=secret)
    paths = ["/api/v1/services", f"/api/v1/services/{service.id}",
             f"/api/v1/services/{service.id}/enrollments",
             f"/api/v1/enrollments/{enrollment.id}", f"/api/v1/enrollments/{waiting.id}",
             "/api/v1/me/enrollments", "/api/v1/me/services"]
    others = [None, make_user(), _volunteer()]
    for other in others:
        headers = auth(client, other) if other else {}
        for path in paths:
            text = client.get(path, headers=headers).get_data(as_text=True)
            assert secret not in text, (path, other and other.username)
        text = _join(client, service, other).get_data(as_text=True) if other else ""
        assert secret not in text
    # The volunteer's own service page shows who joined but no contact either.
    text = client.get(f"/api/v1/services/{service.id}",
                      headers=auth(client, volunteer)).get_data(as_text=True)
    assert secret not in text


# -- abuse guard ----------------------------------------------------------------------

@pytest.fixture
def limited_client(app):
    with limited_app(app, JOIN_RATE_LIMIT="2 per minute") as strict:
        strict.test_client_class = IsolatedClient
        yield strict.test_client()


def test_joining_is_rate_limited_per_account(limited_client):
    resident = make_user()
    headers = auth(limited_client, resident)
    statuses = [limited_client.post(f"/api/v1/services/{make_service().id}/enrollments",
                                    json={"contact": PHONE}, headers=headers).status_code
                for _ in range(3)]
    assert statuses == [201, 201, 429]
    other = limited_client.post(f"/api/v1/services/{make_service().id}/enrollments",
                                json={"contact": PHONE}, headers=auth(limited_client,
                                                                      make_user()))
    assert other.status_code == 201
