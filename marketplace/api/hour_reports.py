"""API: hour_reports (filled in by issue 5)."""

from flask_smorest import Blueprint

blp = Blueprint("api_hour_reports", __name__, description="hour_reports")
