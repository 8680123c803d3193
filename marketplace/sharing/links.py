"""Short, stable share links: /s/<id> for a service, /h/<id> for a help
request. The id is the code (no table, nothing to keep in step), and only
what an anonymous reader may see is shared."""

from __future__ import annotations

from flask import url_for

from ..help import services as help_requests
from ..help.models import HelpRequest
from ..listings import services as listings
from ..listings.models import Service


def shareable(item: Service | HelpRequest) -> bool:
    """Shared links are read by anyone: the anonymous reader's view decides."""
    if isinstance(item, Service):
        return listings.can_view(item, None)
    return help_requests.can_view(item, None)


def short_path(item: Service | HelpRequest) -> str:
    if isinstance(item, Service):
        return url_for("sharing.service_link", service_id=item.id)
    return url_for("sharing.help_link", request_id=item.id)


def short_url(item: Service | HelpRequest) -> str:
    """Absolute, for QR codes, posters and preview tags."""
    if isinstance(item, Service):
        return url_for("sharing.service_link", service_id=item.id, _external=True)
    return url_for("sharing.help_link", request_id=item.id, _external=True)


def share_url(item: Service | HelpRequest) -> str | None:
    """The template's question: the link to show, or None when not shareable."""
    return short_url(item) if shareable(item) else None


def preview_text(text: str, limit: int = 120) -> str:
    """One line for a link preview; the page itself has the whole text."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"
