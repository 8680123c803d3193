"""No GET changes anything: every GET route in the URL map, for the demo
district's objects, read by each kind of user, leaves every table as it was
(the one exception: the audit log may record that someone viewed a contact,
which is itself a read)."""

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.demo.seed import DEMO_PASSWORD, seed
from marketplace.extensions import db
from marketplace.roster.views import EXPORTS

# Which table a URL's id names (the first few of its rows are tried).
ID_TABLES = {
    "service_id": "services", "user_id": "users", "request_id": "help_requests",
    "record_id": "hour_records", "branch_id": "branches", "alliance_id": "alliances",
    "report_id": "hour_reports", "certificate_id": "certificates",
    "enrollment_id": "enrollments", "membership_id": "memberships",
}
READERS = (None, "admin", "lead_hushu", "vol_chen", "res_liu")
RECORDED_READS = "contact_view"  # audit actions that a GET may write


def _table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def _values(rule, name: str) -> list[str]:
    if name in ID_TABLES:
        table = _table(ID_TABLES[name])
        ids = db.session.scalars(sa.select(table.c.id).order_by(table.c.id).limit(3)).all()
        return [str(i) for i in ids] or ["1"]
    if name == "code":
        return list(db.session.scalars(sa.select(_table("certificates").c.verify_code)
                                       .limit(2))) or ["ABCD1234"]
    if name == "what":
        return sorted(EXPORTS)
    items = getattr(rule._converters[name], "items", None)
    assert items, f"{rule.rule}: no sample value for <{name}>; add one above"
    return sorted(items)


def _get_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "filename" in rule.arguments:
            continue  # static files
        combos = [{}]
        for name in sorted(rule.arguments):
            combos = [c | {name: v} for c in combos for v in _values(rule, name)]
        urls += [rule.build(c, append_unknown=False)[1] for c in combos]
    return urls


def _snapshot() -> dict[str, list]:
    db.session.expire_all()
    return {t.name: db.session.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
            for t in db.metadata.sorted_tables}


def _reader(client_for, username):
    if username is None:
        return client_for(), {}
    client = client_for()
    token = client.post("/api/v1/auth/token", json={"username": username,
                                                    "password": DEMO_PASSWORD})
    assert token.status_code == 200
    with client.session_transaction() as session:
        user = db.session.scalar(sa.select(User).filter_by(username=username))
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client, {"Authorization": f"Bearer {token.json['token']}"}


def test_no_get_route_changes_any_table(app, client_for):
    assert seed()
    db.session.commit()
    urls = _get_urls(app)
    assert len(urls) > 100  # the whole map, not a handful
    readers = [_reader(client_for, name) for name in READERS]
    before = _snapshot()
    for client, headers in readers:
        for url in urls:
            response = client.get(url, headers=headers if url.startswith("/api/") else {})
            response.get_data()  # a streamed CSV runs to its end
            assert response.status_code < 500, (url, response.status_code)
    after = _snapshot()
    audit = after.pop("audit_entries")[len(before.pop("audit_entries")):]
    assert [row for row in audit if not row.action.endswith(RECORDED_READS)] == []
    changed = [name for name in before if before[name] != after[name]]
    assert changed == []
