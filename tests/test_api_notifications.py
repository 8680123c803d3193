"""The caller's notifications over the API: the list (newest first, unread
only, keyset pages, texts in the caller's language), the unread count, and
marking read (some or all, never another person's)."""

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.notifications.services import notify

from .api_helpers import auth, error_field
from .factories import make_user

NOTES = "/api/v1/me/notifications"


def _notes(user, n: int) -> list[Notification]:
    """`n` notices for `user`, oldest first (through the domain)."""
    notes = [notify(user.id, "membership.accepted", membership_id=i, branch_id=1,
                    branch_name=f"第{i}党支部", membership="functional", moved_from=None)
             for i in range(1, n + 1)]
    db.session.commit()
    return notes


def _read_at(note_id: int):
    db.session.expire_all()
    return db.session.get(Notification, note_id).read_at


def test_the_list_is_mine_newest_first_with_texts(client):
    me, other = make_user(), make_user()
    first, second = _notes(me, 2)
    _notes(other, 1)
    response = client.get(NOTES, headers=auth(client, me))
    assert response.status_code == 200, response.json
    items = response.json["items"]
    assert [n["id"] for n in items] == [second.id, first.id]
    assert items[0]["kind"] == "membership.accepted"
    assert items[0]["text"] == "您已成为第2党支部的成员。"  # zh_CN, the default
    assert items[0]["params"]["branch_name"] == "第2党支部"
    assert items[0]["read"] is False and items[0]["created_at"]
    assert response.json["next_cursor"] is None


def test_the_text_is_in_the_callers_language(client):
    english = make_user()
    english.locale = "en"
    _notes(english, 1)
    item = client.get(NOTES, headers=auth(client, english)).json["items"][0]
    assert item["text"] == "You are now a member of 第1党支部."
    unknown = make_user()
    unknown.locale = "fr"  # not offered: the site's default
    _notes(unknown, 1)
    item = client.get(NOTES, headers=auth(client, unknown)).json["items"][0]
    assert item["text"] == "您已成为第1党支部的成员。"


def test_an_unknown_kind_shows_its_kind(client):
    me = make_user()
    notify(me.id, "something.new", x=1)
    db.session.commit()
    item = client.get(NOTES, headers=auth(client, me)).json["items"][0]
    assert (item["kind"], item["text"], item["params"]) == ("something.new", "something.new",
                                                            {"x": 1})


def test_pages_and_the_unread_filter(client):
    me = make_user()
    notes = _notes(me, 5)
    notes[4].read_at = notes[1].read_at = utcnow()
    db.session.commit()
    headers = auth(client, me)
    page = client.get(f"{NOTES}?limit=2", headers=headers).json
    assert [n["id"] for n in page["items"]] == [notes[4].id, notes[3].id]
    assert [n["read"] for n in page["items"]] == [True, False]
    rest = client.get(f"{NOTES}?limit=2&cursor={page['next_cursor']}", headers=headers).json
    assert [n["id"] for n in rest["items"]] == [notes[2].id, notes[1].id]
    unread = client.get(f"{NOTES}?unread=true", headers=headers).json["items"]
    assert [n["id"] for n in unread] == [notes[3].id, notes[2].id, notes[0].id]


def test_bad_list_arguments_are_named(client):
    headers = auth(client, make_user())
    assert error_field(client.get(f"{NOTES}?unread=maybe", headers=headers)) == {"unread"}
    assert error_field(client.get(f"{NOTES}?limit=101", headers=headers)) == {"limit"}
    assert error_field(client.get(f"{NOTES}?cursor=%5B%5D", headers=headers)) == {"cursor"}


def test_the_list_costs_the_same_for_any_number(client, count_queries):
    me = make_user()
    headers = auth(client, me)
    counts = []
    for n in (1, 8):
        _notes(me, n)
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(NOTES, headers=headers).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_the_unread_count(client):
    me = make_user()
    headers = auth(client, me)
    assert client.get(f"{NOTES}/unread-count", headers=headers).json == {"unread": 0}
    notes = _notes(me, 3)
    _notes(make_user(), 2)
    notes[0].read_at = utcnow()
    db.session.commit()
    assert client.get(f"{NOTES}/unread-count", headers=headers).json == {"unread": 2}


def test_mark_some_read_leaves_others_and_other_peoples_alone(client):
    me, other = make_user(), make_user()
    mine = _notes(me, 3)
    theirs = _notes(other, 1)[0]
    response = client.post(f"{NOTES}/read", headers=auth(client, me),
                           json={"ids": [mine[0].id, mine[1].id, theirs.id]})
    assert response.status_code == 200, response.json
    assert response.json == {"marked": 2}
    assert _read_at(mine[0].id) and _read_at(mine[1].id)
    assert _read_at(mine[2].id) is None and _read_at(theirs.id) is None
    again = client.post(f"{NOTES}/read", headers=auth(client, me), json={"ids": [mine[0].id]})
    assert again.json == {"marked": 0}  # read already


def test_mark_all_read_with_an_empty_body_or_none(client):
    me, other = make_user(), make_user()
    _notes(me, 3)
    _notes(other, 1)
    headers = auth(client, me)
    assert client.post(f"{NOTES}/read", headers=headers, json={}).json == {"marked": 3}
    assert client.get(f"{NOTES}/unread-count", headers=headers).json == {"unread": 0}
    _notes(me, 1)
    response = client.post(f"{NOTES}/read", headers=headers)
    assert response.status_code == 200 and response.json == {"marked": 1}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == other.id, Notification.read_at.is_(None))) == 1


def test_a_form_encoded_body_is_refused_not_read_as_all(client):
    me = make_user()
    note = _notes(me, 1)[0]
    response = client.post(f"{NOTES}/read", headers=auth(client, me), data={"ids": "1"})
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"
    assert _read_at(note.id) is None


def test_bad_ids_are_named(client):
    headers = auth(client, make_user())
    for body in ({"ids": []}, {"ids": "1"}, {"ids": [0]}, {"ids": ["a"]}, {"ids": None},
                 {"ids": list(range(1, 102))}):
        assert error_field(client.post(f"{NOTES}/read", headers=headers, json=body)) == {
            "ids"}, body


def test_every_endpoint_needs_a_token(client):
    assert client.get(NOTES).status_code == 401
    assert client.get(f"{NOTES}/unread-count").status_code == 401
    response = client.post(f"{NOTES}/read", json={})
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_the_openapi_document_lists_the_notification_paths(client):
    spec = client.get("/api/v1/openapi.json").json
    paths, schemas = spec["paths"], spec["components"]["schemas"]

    def ref(holder):
        return holder["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert ref(paths[NOTES]["get"]["responses"]["200"]) == "NotificationPage"
    assert ref(paths[f"{NOTES}/unread-count"]["get"]["responses"]["200"]) == "UnreadOut"
    read = paths[f"{NOTES}/read"]["post"]
    assert ref(read["requestBody"]) == "ReadIn" and read["requestBody"]["required"] is False
    assert ref(read["responses"]["200"]) == "MarkedOut"
    assert "422" in read["responses"]
    for path in (NOTES, f"{NOTES}/unread-count", f"{NOTES}/read"):
        for operation in paths[path].values():
            assert operation["security"] == [{"bearerAuth": []}]
    item = schemas["NotificationOut"]
    assert set(item["required"]) == {"id", "kind", "text", "params", "read", "created_at"}
    assert schemas["ReadIn"]["properties"]["ids"]["maxItems"] == 100
    unread = next(p for p in paths[NOTES]["get"]["parameters"] if p["name"] == "unread")
    assert unread["schema"]["type"] == "boolean"
