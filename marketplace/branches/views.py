"""Pages for branch leads."""

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from ..authz import lead_required, led_branches
from ..extensions import db
from ..hours.models import HourRecord, HourStatus

bp = Blueprint("branches", __name__, url_prefix="/branches", template_folder="templates")


@bp.route("/lead")
@lead_required
def lead_home():
    """The lead's overview: the branches they lead and what awaits review."""
    branches = led_branches(current_user)
    pending = dict(db.session.execute(
        sa.select(HourRecord.branch_id, sa.func.count())
        .where(HourRecord.branch_id.in_([b.id for b in branches]),
               HourRecord.status == HourStatus.SUBMITTED)
        .group_by(HourRecord.branch_id)
    ).all())
    return render_template("branches/lead_home.html", branches=branches, pending=pending)
