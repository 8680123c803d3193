"""Rankings and the public figures page (公开): no personal data beyond names."""

from flask import Blueprint

bp = Blueprint("rankings", __name__, template_folder="templates")
