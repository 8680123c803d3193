"""API: certificates (filled in by issue 5)."""

from flask_smorest import Blueprint

blp = Blueprint("api_certificates", __name__, description="certificates")
