"""The access matrix: every route in the app's URL map (pages and /api/v1,
every method but HEAD/OPTIONS) asked by every role, each answer checked
against the table in tests/access_matrix/ (pages.py, api.py). A route added
to the app and not to the table fails the first test."""

import pytest

from .access_matrix.api import API
from .access_matrix.pages import PAGES
from .access_matrix.reset import fresh_scene
from .access_matrix.scene import ROLES
from .access_matrix.table import MUTATING, table, url_map_routes

MATRIX = table(*PAGES, *API)


def test_the_matrix_lists_every_route_of_the_url_map(app):
    routes = url_map_routes(app)
    missing, stale = sorted(routes - set(MATRIX)), sorted(set(MATRIX) - routes)
    assert not missing, f"routes with no row in tests/access_matrix: {missing}"
    assert not stale, f"rows for routes the app no longer has: {stale}"


def _page_answer(client, response, method: str) -> str:
    """A page's answer as a matrix word: ok, login, no (sent back with an
    error message: a rule said no), form (a posted form shown again: not
    done) or its status code."""
    status = response.status_code
    if status == 200 and method == "POST":
        return "form"
    if status == 302 and response.headers["Location"].startswith("/account/login"):
        return "login"
    if status in (301, 302, 303):
        with client.session_transaction() as session:
            said = [category for category, _ in session.get("_flashes", [])]
        return "no" if {"danger", "warning"} & set(said) else "ok"
    return "ok" if 200 <= status < 300 else str(status)


def _ask(client_for, scene, role, method, path, body) -> str:
    client = client_for()
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {scene.tokens[role]}"} if role in scene.tokens \
            else {}
        status = client.open(path, method=method, json=body, headers=headers).status_code
        return "ok" if 200 <= status < 300 else str(status)
    if role in scene.session_ids:
        with client.session_transaction() as session:  # as conftest's login_as
            session["_user_id"], session["_fresh"] = scene.session_ids[role], True
    return _page_answer(client, client.open(path, method=method, data=body), method)


def _in_order(case) -> list[str]:
    """Roles expected to be refused first: a refusal changes nothing, so only
    an allowed request before another one needs a fresh scene."""
    return sorted(ROLES, key=lambda role: case.expected(role) == "ok")


def _run(app, client_for, endpoint, method, case) -> list[str]:
    wrong, scene, fresh = [], None, False
    for role in _in_order(case):
        if scene is None or not fresh:
            scene, fresh = fresh_scene(), True
        values = scene.path_values()
        path = case.path.format(**values)
        matched, _ = app.url_map.bind("localhost").match(path.partition("?")[0],
                                                          method=method)
        assert matched == endpoint, f"{path} is {matched}, not {endpoint}"
        body = case.body(values) if case.body else None
        got = _ask(client_for, scene, role, method, path, body)
        if got != case.expected(role):
            wrong.append(f"{method} {case.path} as {role}: {got}, expected {case.expected(role)}")
        if method in MUTATING and got == "ok" and not case.shared:
            fresh = False
    return wrong


@pytest.mark.parametrize(("endpoint", "method"), sorted(MATRIX),
                         ids=[f"{m} {e}" for e, m in sorted(MATRIX)])
def test_each_role_gets_the_answer_in_the_matrix(app, client_for, endpoint, method):
    wrong = []
    for case in MATRIX[(endpoint, method)]:
        wrong += _run(app, client_for, endpoint, method, case)
    assert not wrong, "\n".join(wrong)
