"""Helpers for API tests: a bearer token for a factory user, as a client gets one."""

from datetime import timedelta

from marketplace.db import utcnow
from marketplace.listings.models import ServiceStatus

from .factories import PASSWORD

PHONE = "13800138000"


def auth(client, user) -> dict:
    """Authorization headers for `user`, from POST /api/v1/auth/token."""
    response = client.post("/api/v1/auth/token", json={"username": user.username,
                                                        "password": PASSWORD})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def error_field(response, status: int = 422) -> set:
    """The fields a validation error names (asserting its status and shape)."""
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == "validation"
    return set(response.json["error"].get("fields", {}))


def not_open(state: str) -> dict:
    """make_service overrides for a service nobody can join."""
    now = utcnow()
    return {
        "draft": {"status": ServiceStatus.DRAFT, "published_at": None},
        "paused": {"status": ServiceStatus.PAUSED},
        "closed": {"status": ServiceStatus.CLOSED},
        "hidden": {"hidden_at": now, "hidden_reason": "spam"},
        "ended": {"starts_at": now - timedelta(days=2), "ends_at": now - timedelta(days=1)},
    }[state]
