"""Short links, QR codes, the printable poster and the calendar file."""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..listings import services as listings
from ..pagecache import public_page
from . import links
from . import services as sharing
from .calendar import ics_text
from .qr import qr_svg

bp = Blueprint("sharing", __name__, template_folder="templates")

# A QR code only changes with the host name; an hour keeps a hidden item's
# code from lingering long in browsers.
QR_MAX_AGE = 3600


@bp.app_template_global()
def share_url(item):
    return links.share_url(item)


@bp.app_template_global()
def preview_text(text: str, limit: int = 120) -> str:
    return links.preview_text(text, limit)


@bp.route("/s/<int:service_id>")
def service_link(service_id: int):
    if sharing.shared_service(service_id) is None:
        return _missing()
    return redirect(url_for("listings.detail", service_id=service_id), 302)


@bp.route("/h/<int:request_id>")
def help_link(request_id: int):
    if sharing.shared_request(request_id) is None:
        return _missing()
    return redirect(url_for("help.detail", request_id=request_id), 302)


@bp.route("/services/<int:service_id>/qr.svg")
def service_qr(service_id: int):
    service = sharing.shared_service(service_id)
    if service is None:
        abort(404)
    return _svg(links.short_url(service))


@bp.route("/help/<int:request_id>/qr.svg")
def help_qr(request_id: int):
    help_request = sharing.shared_request(request_id)
    if help_request is None:
        abort(404)
    return _svg(links.short_url(help_request))


@bp.route("/services/<int:service_id>/poster")
@public_page
def poster(service_id: int):
    service = listings.get_service(service_id)
    if not listings.can_view(service, current_user):
        abort(404)
    return render_template("sharing/poster.html", service=service,
                           short_url=links.short_url(service),
                           shareable=links.shareable(service),
                           ended=listings.has_ended(service))


@bp.route("/enrollments/<int:enrollment_id>/calendar.ics")
@login_required
def calendar(enrollment_id: int):
    enrollment = sharing.residents_enrollment(enrollment_id, current_user)
    if enrollment is None:
        abort(404)
    refusal = sharing.calendar_refusal(enrollment)
    if refusal:
        return render_template("sharing/no_calendar.html", enrollment=enrollment,
                               message=refusal)
    text = ics_text(sharing.calendar_event(enrollment, request.host.split(":")[0]))
    response = Response(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="wangtao-{enrollment.service_id}.ics"')
    return response


def _svg(url: str) -> Response:
    response = Response(qr_svg(url), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = QR_MAX_AGE
    return response


def _missing():
    return render_template("sharing/missing.html"), 404
