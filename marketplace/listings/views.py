"""Pages to browse, read, publish and manage services."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ..authz import admin_required
from ..enrollments import queries as enrollment_queries
from ..enrollments.forms import JoinForm
from ..enrollments.models import EnrollmentStatus
from ..exceptions import DomainError
from ..extensions import db
from ..feedback import services as feedback
from ..feedback.queries import volunteer_comments
from ..forms import apply_domain_error
from ..labels import category_name
from ..limits import post_limits
from ..localtime import local_to_utc, utc_to_local
from ..pagecache import public_page
from ..pages import keyset_page, perform
from ..profiles.queries import public_volunteer, volunteer_profile, volunteer_stars
from . import finding, queries
from . import services as listings
from .forms import BrowseForm, HideForm, ServiceForm
from .models import ServiceMode, ServiceStatus

bp = Blueprint("listings", __name__, template_folder="templates")

PAGE_SIZE = 20


@bp.route("/services")
@public_page
def browse():
    form = BrowseForm(request.args)
    # Every category, retired ones too, held while the page is drawn: the
    # services take theirs from the session (queries.all_categories).
    every_category = queries.all_categories()
    categories = [c for c in every_category if c.retired_at is None]
    form.category.choices = [SelectChoice("", _("All categories"))] + [
        SelectChoice(c.slug, category_name(c)) for c in categories]
    form.validate()
    filters = queries.BrowseFilters(
        q=form.q.data or "",
        category_id=next((c.id for c in categories if c.slug == form.category.data), None),
        community=form.community.data or "",
        mode=ServiceMode(form.mode.data) if form.mode.data and not form.mode.errors else None,
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
        has_places=bool(form.has_places.data),
        sort=form.sort.data if form.sort.data in queries.SORTS else "soonest")
    page = keyset_page(lambda cursor: queries.browse(filters, cursor, PAGE_SIZE,
                                                     categories_loaded=True,
                                                     volunteers_loaded=True))
    stars = volunteer_stars(s.volunteer_id for s in page.items)  # and the volunteers
    own = current_user.community if current_user.is_authenticated else None
    chips = finding.filter_chips(request.args, filters, categories,
                                 finding.community_shortlist(own, filters.community))
    return render_template("listings/browse.html", form=form, page=page,
                           categories=categories, args=request.args, chips=chips,
                           stars=stars, page_args=finding.browse_args(request.args),
                           suggestion=None if page.items else finding.suggest(filters, categories))


@bp.route("/services/<int:service_id>")
@public_page
def detail(service_id: int):
    service = queries.service_for_page(service_id)
    if service is None or not listings.can_view(service, current_user):
        abort(404)
    mine = None
    if current_user.is_authenticated:
        mine = enrollment_queries.live_enrollment_with_position(service.id, current_user.id)
    form = JoinForm(contact=current_user.phone if current_user.is_authenticated else None)
    ended = listings.has_ended(service)
    # Closed, paused or over: the page points to others of its kind.
    similar = (queries.similar_services(service)
               if ended or service.status != ServiceStatus.PUBLISHED else [])
    is_owner = listings.is_owner(service, current_user)
    return render_template(
        "listings/detail.html", service=service, mine=mine, form=form, hide_form=HideForm(),
        ended=ended, similar=similar, is_owner=is_owner,
        joinable=listings.accepts_joins(service) and not is_owner and mine is None,
        stars=volunteer_stars([service.volunteer_id]).get(service.volunteer_id))


@bp.route("/services/new", methods=["GET", "POST"])
@login_required
@post_limits
def create():
    if not current_user.is_volunteer:
        return render_template("listings/become_volunteer.html")
    form = _service_form()
    if form.validate_on_submit():
        try:
            service = listings.create_service(current_user, _service_data(form),
                                              publish=bool(form.publish.data))
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your service is published.") if form.publish.data
                  else _("Saved as a draft."), "success")
            return redirect(url_for("listings.detail", service_id=service.id))
    return render_template("listings/form.html", form=form, service=None)


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@login_required
def edit(service_id: int):
    service = listings.get_service(service_id)
    if not listings.is_owner(service, current_user):
        abort(403)
    form = _service_form(service)
    if form.validate_on_submit():
        try:
            listings.update_service(service, current_user, _service_data(form))
            if form.publish.data and service.status != "published":
                listings.publish_service(service, current_user)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("listings.detail", service_id=service.id))
    return render_template("listings/form.html", form=form, service=service)


@bp.route("/services/<int:service_id>/<any(publish, pause, close, cancel):action>",
          methods=["POST"])
@login_required
def change_status(service_id: int, action: str):
    service = listings.get_service(service_id)
    if not listings.is_owner(service, current_user):
        abort(403)
    steps = {
        "publish": (lambda: listings.publish_service(service, current_user),
                    _("The service is open for joining.")),
        "pause": (lambda: listings.pause_service(service, current_user),
                  _("The service is paused: nobody can join until you reopen it.")),
        "close": (lambda: listings.close_service(service, current_user),
                  _("The service is closed.")),
        "cancel": (lambda: listings.close_service(service, current_user, call_off=True),
                   _("The activity is called off; everyone who joined is told.")),
    }
    step, message = steps[action]
    return perform(step, message, url_for("listings.detail", service_id=service_id))


@bp.route("/services/<int:service_id>/hide", methods=["POST"])
@admin_required
def hide(service_id: int):
    service = listings.get_service(service_id)
    reason = request.form.get("reason", "")  # the reason's rule is the service's
    return perform(lambda: listings.hide_service(service, current_user, reason),
                   _("The service is hidden."), url_for("listings.detail", service_id=service_id))


@bp.route("/services/<int:service_id>/unhide", methods=["POST"])
@admin_required
def unhide(service_id: int):
    service = listings.get_service(service_id)
    return perform(lambda: listings.unhide_service(service, current_user),
                _("The service is visible again."),
                url_for("listings.detail", service_id=service_id))


@bp.route("/my/services")
@login_required
def mine():
    page = queries.services_of(current_user.id, include_unlisted=True,
                               cursor=request.args.get("cursor"), limit=PAGE_SIZE)
    return render_template("listings/mine.html", page=page)


ENROLLMENT_TABS = {
    "pending": (EnrollmentStatus.PENDING,),
    "confirmed": (EnrollmentStatus.CONFIRMED,),
    "waitlisted": (EnrollmentStatus.WAITLISTED,),
    "ended": (EnrollmentStatus.COMPLETED, EnrollmentStatus.NO_SHOW,
              EnrollmentStatus.CANCELLED, EnrollmentStatus.DECLINED),
}


@bp.route("/my/services/<int:service_id>")
@login_required
def manage(service_id: int):
    """The volunteer's view of who joined: contacts of live enrollments only."""
    service = queries.service_for_page(service_id)
    if service is None or not (listings.is_owner(service, current_user)
                               or current_user.is_admin):
        abort(404)
    tab = request.args.get("tab", "pending")
    if tab not in ENROLLMENT_TABS:
        tab = "pending"
    try:
        page = enrollment_queries.service_enrollments(
            service.id, ENROLLMENT_TABS[tab], request.args.get("cursor"), 50)
    except DomainError:
        page = enrollment_queries.service_enrollments(service.id, ENROLLMENT_TABS[tab], None, 50)
    return render_template("listings/manage.html", service=service, page=page, tab=tab,
                           tabs=ENROLLMENT_TABS, is_owner=listings.is_owner(service, current_user))


@bp.route("/volunteers/<int:user_id>")
@public_page
def volunteer(user_id: int):
    person = public_volunteer(user_id)
    if person is None:
        abort(404)
    page = queries.services_of(person.id, include_unlisted=False,
                               cursor=request.args.get("cursor"), limit=PAGE_SIZE)
    moderator = feedback.can_moderate(current_user)
    return render_template("listings/volunteer.html", person=person, page=page,
                           profile=volunteer_profile(person.id), moderator=moderator,
                           comments=volunteer_comments(person.id, include_hidden=moderator),
                           hide_form=HideForm())


def _service_form(service=None) -> ServiceForm:
    form = ServiceForm(obj=service) if service and request.method == "GET" else ServiceForm()
    if service and request.method == "GET":
        form.starts_at.data = utc_to_local(service.starts_at)
        form.ends_at.data = utc_to_local(service.ends_at)
        form.mode.data = service.mode.value
    form.category_id.choices = [SelectChoice(c.id, category_name(c))
                                for c in queries.active_categories()]
    if not service and request.method == "GET" and current_user.community:
        form.community.data = current_user.community
    return form


def _service_data(form: ServiceForm) -> listings.ServiceData:
    return listings.ServiceData(
        title=form.title.data, description=form.description.data,
        category_id=form.category_id.data, community=form.community.data,
        mode=ServiceMode(form.mode.data), capacity=form.capacity.data,
        auto_confirm=form.auto_confirm.data, place=form.place.data,
        starts_at=local_to_utc(form.starts_at.data), ends_at=local_to_utc(form.ends_at.data))
