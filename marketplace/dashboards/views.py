"""The branch dashboard for leads, and the CSV export of a branch's records."""

from flask import Blueprint

bp = Blueprint("dashboards", __name__, url_prefix="/branches", template_folder="templates")
