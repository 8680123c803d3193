"""The district office's pages: the overview and the audit log."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from ..audit.models import AuditEntry
from ..authz import admin_required
from ..exceptions import InvalidInput
from ..extensions import db
from ..models import Branch, HelpRequest, HourRecord, Service, User
from ..pages import keyset_page
from ..pagination import Page
from . import audit_labels, audit_log
from .forms import AuditFilterForm

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

AUDIT_PAGE_SIZE = 50


@bp.route("/")
@admin_required
def dashboard():
    counts = {
        label: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for label, model in (("users", User), ("services", Service), ("help_requests", HelpRequest),
                             ("branches", Branch), ("hour_records", HourRecord))
    }
    recent = db.session.scalars(
        sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(20)).all()
    return render_template("admin/dashboard.html", counts=counts, recent=recent,
                           action_label=audit_labels.action_label,
                           target_label=audit_labels.target_label)


@bp.route("/audit")
@admin_required
def audit():
    """The audit log, newest first; a filter that does not parse is left out
    (and marked on the form) rather than failing the page."""
    form = AuditFilterForm(request.args)
    form.validate()
    filters, known = _filters(form)
    page = (keyset_page(lambda cursor: audit_log.entries(filters, cursor, AUDIT_PAGE_SIZE))
            if known else Page(items=[], next_cursor=None))
    return render_template(
        "admin/audit.html", form=form, page=page, actors=audit_log.actors(page),
        args=request.args, actions=audit_labels.ACTIONS, details=audit_labels.details,
        action_label=audit_labels.action_label, target_label=audit_labels.target_label)


def _filters(form: AuditFilterForm) -> tuple[audit_log.AuditFilters, bool]:
    """The filters that hold, and False when the actor named has no account
    (nothing can match)."""
    def good(field):
        return field.data if field.data not in (None, "") and not field.errors else None

    actor_id = None
    if good(form.actor):
        try:
            actor_id = audit_log.actor_id(form.actor.data)
        except InvalidInput as exc:
            form.actor.errors = [*form.actor.errors, str(exc.message)]
            return audit_log.AuditFilters(), False
    return audit_log.AuditFilters(
        action=good(form.action), actor_id=actor_id, target_type=good(form.target_type),
        target_id=good(form.target_id), date_from=good(form.date_from),
        date_to=good(form.date_to)), True
