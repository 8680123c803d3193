from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from . import messages
from .queries import notifications_of
from .services import mark_all_read

bp = Blueprint("notifications", __name__, url_prefix="/notifications",
               template_folder="templates")


@bp.route("/")
@login_required
def index():
    page = notifications_of(current_user.id, request.args.get("cursor"), 30)
    return render_template("notifications/index.html", page=page, messages=messages)


@bp.route("/read", methods=["POST"])
@login_required
def read_all():
    mark_all_read(current_user.id)
    db.session.commit()
    return redirect(url_for("notifications.index"))
