"""API: rankings (filled in by issue 5)."""

from flask_smorest import Blueprint

blp = Blueprint("api_rankings", __name__, description="rankings")
