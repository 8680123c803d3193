"""Writing the audit log. Every review, moderation, role change and
correction calls record() in the same transaction as the change itself."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from ..extensions import db
from .models import AuditEntry


def record(actor, action: str, target, **details: Any) -> AuditEntry:
    """Log `action` by `actor` (a User or None for the system) on `target` (a model)."""
    db.session.flush()  # the target needs its id
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target.__tablename__,
        target_id=target.id,
        details=details,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
