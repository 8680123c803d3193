"""Bearer tokens for the JSON API: random, stored as a digest, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..db import utcnow
from ..extensions import db
from .models import ApiToken, User


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["API_TOKEN_TTL_HOURS"])
    token = ApiToken(user=user, token_hash=_digest(raw), session_version=user.session_version,
                     expires_at=utcnow() + ttl)
    db.session.add(token)
    db.session.flush()
    return raw, token


def find_token(raw: str) -> ApiToken | None:
    """The live token for `raw`, or None when unknown, expired, revoked or
    outdated by a password change or deactivation."""
    if not raw or len(raw) > 200:
        return None
    # The user explicitly joined (as the mapping does): tests raise on lazy loads.
    token = db.session.scalar(sa.select(ApiToken).filter_by(token_hash=_digest(raw))
                              .options(joinedload(ApiToken.user)))
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    user = token.user
    if not user.is_active or user.session_version != token.session_version:
        return None
    return token


def revoke(token: ApiToken) -> None:
    token.revoked_at = utcnow()
