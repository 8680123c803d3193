"""CSV import and export of branches and members (admins).

The upload is spooled to a temporary file by Werkzeug and read line by
line, so even a large file never sits in memory; a province-sized file is
better imported with `flask roster import-members` (no request timeout).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import RadioField, SelectChoice

from ..authz import admin_required
from ..extensions import db
from .branch_import import import_branches
from .common import ImportRejected, RosterChanged
from .export import EXPORTS, export_chunks
from .member_import import import_members

bp = Blueprint("roster", __name__, url_prefix="/admin/roster", template_folder="templates")

# 1.7 million member rows are about 120 MB; the operator may change it.
DEFAULT_UPLOAD_MAX = 256 * 1024 * 1024
IMPORTS = {"branches": import_branches, "members": import_members}


def upload_max() -> int:
    return current_app.config.get("ROSTER_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX)


class ImportForm(FlaskForm):
    what = RadioField(_l("What the file holds"), default="branches", choices=[
        SelectChoice("branches", _l("Branches (code, name, kind, parent_code, community)")),
        SelectChoice("members", _l("Members (username, display_name, phone, branch_code, "
                                   "membership, role)"))])
    file = FileField(_l("CSV file (UTF-8)"), validators=[
        FileRequired(_l("Please choose a CSV file.")),
        FileSize(max_size=DEFAULT_UPLOAD_MAX, message=_l("The file is too large."))])


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index():
    if request.method == "POST":
        # Refuse an oversized body before reading it (the form's own check
        # comes after the upload).
        request.max_content_length = upload_max() + 64 * 1024
    form = ImportForm()
    form.file.validators[1].max_size = upload_max()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = IMPORTS[form.what.data](upload.stream, actor=current_user,
                                             filename=upload.filename or None)
        except ImportRejected as exc:
            db.session.rollback()
            report = exc.report
        except RosterChanged as exc:
            db.session.rollback()
            form.file.errors = [*form.file.errors, str(exc.message)]
        else:
            db.session.commit()
    status = 422 if report is not None and not report.ok else 200
    return render_template("roster/index.html", form=form, report=report,
                           exports=EXPORTS), status


@bp.route("/export/<what>.csv")
@admin_required
def export(what: str):
    if what not in EXPORTS:
        abort(404)
    response = Response(stream_with_context(export_chunks(what)),
                        mimetype="text/csv", content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{what}.csv"'
    return response
