"""The matrix's vocabulary: a row names a route, the path it is asked at
(placeholders are scene objects), a body, and what each role gets.

An expectation is seven words, one per role in scene.ROLES order:
anonymous, resident, volunteer, other_volunteer, lead, other_lead, admin.
A word is a status code (403, 404, 409, 422...), `ok` (done: a 2xx, or a
page's redirect that is not to the login page nor carries an error message),
`no` (a page's redirect back with an error message: a rule said no to this
person or in this state), `form` (a posted form shown again, with what was
wrong: not done) or `login` (a page's 302 to log in).
The owner of each object is fixed by the scene: the resident owns the
enrollments, help requests and the pending membership request; the volunteer
owns the services, offers, hour records, reports, certificate and the
membership; `lead` leads the objects' branch, `other_lead` another branch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from .scene import ROLES

# Common patterns (page and API forms).
PUBLIC = "ok ok ok ok ok ok ok"
SIGNED_IN = "login ok ok ok ok ok ok"
API_SIGNED_IN = "401 ok ok ok ok ok ok"
ADMIN = "login 403 403 403 403 403 ok"
API_ADMIN = "401 403 403 403 403 403 ok"
BRANCH_MANAGER = "login 403 403 403 ok 403 ok"  # a lead of the object's branch, or an admin
API_BRANCH_MANAGER = "401 403 403 403 ok 403 ok"
SEEN_BY_OWNER_AND_MANAGERS = "login 404 ok 404 ok 404 ok"  # the volunteer's things
API_SEEN_BY_OWNER_AND_MANAGERS = "401 404 ok 404 ok 404 ok"

# Static files and the API document's assets: no data behind them.
EXCLUDED = frozenset({"static", "bootstrap.static", "certificates.static",
                      "dashboards.static", "rankings.static", "swagger_ui_assets"})

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Case:
    path: str            # with {placeholders} from Scene.path_values()
    expect: tuple[str, ...]
    body: Callable[[dict], dict] | None = None
    shared: bool = False  # an allowed request leaves the scene as others need it

    def expected(self, role: str) -> str:
        return self.expect[ROLES.index(role)]


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    case: Case


def row(endpoint: str, method: str, path: str, expect: str, body=None,
        shared: bool = False) -> Row:
    words = tuple(expect.split())
    assert len(words) == len(ROLES), (endpoint, expect)
    assert all(w in ("ok", "no", "form", "login") or w.isdigit() for w in words), (endpoint, expect)
    if body is not None and not callable(body):
        fixed = body
        body = lambda v: fixed  # noqa: E731  (a constant body)
    return Row(endpoint, method, Case(path, words, body, shared))


def table(*groups: list[Row]) -> dict[tuple[str, str], list[Case]]:
    """(endpoint, method) -> its cases (several when the route takes an
    action word, e.g. /enrollments/<id>/<cancel|confirm|...>)."""
    matrix: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for rows in groups:
        for r in rows:
            matrix[(r.endpoint, r.method)].append(r.case)
    return dict(matrix)


def url_map_routes(app) -> set[tuple[str, str]]:
    """Every (endpoint, method) the app answers, less HEAD/OPTIONS and EXCLUDED."""
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.endpoint not in EXCLUDED
            for method in rule.methods - {"HEAD", "OPTIONS"}}
