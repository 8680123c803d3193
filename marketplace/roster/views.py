"""CSV import and export of branches and members (admins)."""

from flask import Blueprint

bp = Blueprint("roster", __name__, url_prefix="/admin/roster", template_folder="templates")
