"""The district office's pages."""

import sqlalchemy as sa
from flask import Blueprint, render_template

from ..audit.models import AuditEntry
from ..authz import admin_required
from ..extensions import db
from ..models import Branch, HelpRequest, HourRecord, Service, User

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


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
    return render_template("admin/dashboard.html", counts=counts, recent=recent)
