"""Help-request pages: post a need, offer help, accept, complete, rate."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ..authz import admin_required
from ..db import writes_on_get
from ..enrollments.forms import RateForm
from ..exceptions import DomainError
from ..extensions import db
from ..forms import apply_domain_error
from ..labels import category_name
from ..limits import post_limits
from ..listings.forms import HideForm
from ..listings.queries import active_categories
from ..pagecache import public_page
from ..pages import keyset_page, perform, save_form
from ..profiles.queries import volunteer_profiles
from . import queries
from . import services as help_requests
from .forms import HelpFilterForm, HelpRequestForm, OfferForm
from .models import Urgency

bp = Blueprint("help", __name__, template_folder="templates")

PAGE_SIZE = 20


@bp.route("/help")
@public_page
def browse():
    form = HelpFilterForm(request.args)
    categories = active_categories()
    form.category.choices = [SelectChoice("", _("All categories"))] + [
        SelectChoice(c.slug, category_name(c)) for c in categories]
    form.validate()
    filters = queries.HelpFilters(
        category_id=next((c.id for c in categories if c.slug == form.category.data), None),
        community=form.community.data or "",
        urgency=Urgency(form.urgency.data) if form.urgency.data and not form.urgency.errors
        else None)
    page = keyset_page(lambda cursor: queries.browse(filters, cursor, PAGE_SIZE))
    nearby = []
    if current_user.is_authenticated and current_user.is_volunteer:
        nearby = queries.unanswered_near(current_user)
    return render_template("help/browse.html", form=form, page=page, nearby=nearby,
                           args=request.args, is_unanswered=queries.is_unanswered)


@bp.route("/help/new", methods=["GET", "POST"])
@login_required
@post_limits
def create():
    form = _request_form()
    if form.validate_on_submit():
        try:
            help_request = help_requests.post_request(current_user, _request_data(form))
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your request is posted. Volunteers nearby can see it now."), "success")
            return redirect(url_for("help.detail", request_id=help_request.id))
    return render_template("help/form.html", form=form, help_request=None)


@bp.route("/help/<int:request_id>")
def detail(request_id: int):
    help_request = queries.request_for_page(request_id)
    if help_request is None or not help_requests.can_view(help_request, current_user):
        abort(404)
    is_requester = current_user.is_authenticated and current_user.id == help_request.requester_id
    offers = queries.offers_of(help_request.id) if is_requester else []
    my_offer = None
    if current_user.is_authenticated and not is_requester:
        my_offer = queries.offer_by(help_request.id, current_user.id)
    profiles = volunteer_profiles([o.volunteer_id for o in offers])
    rated = queries.rated_request_ids([help_request.id]) if is_requester else set()
    return render_template(
        "help/detail.html", help_request=help_request, is_requester=is_requester,
        offers=offers, profiles=profiles, my_offer=my_offer, offer_form=OfferForm(),
        rate_form=RateForm(), hide_form=HideForm(), rated=help_request.id in rated,
        contact=help_requests.listed_contact(help_request, current_user)
        if current_user.is_authenticated else None,
        unanswered=queries.is_unanswered(help_request))


@bp.route("/help/<int:request_id>/contact")
@login_required
@writes_on_get
def contact(request_id: int):
    """The whole contact, opened on purpose from the request's page; the
    helper's or an admin's look is audited. Rendered before the commit."""
    help_request = _visible(request_id)
    contact = help_requests.reveal_contact(help_request, current_user, "page")
    if contact is None:
        abort(403)
    page = render_template("help/contact.html", help_request=help_request, contact=contact)
    db.session.commit()
    return page


@bp.route("/help/<int:request_id>/edit", methods=["GET", "POST"])
@login_required
def edit(request_id: int):
    help_request = help_requests.get_request(request_id)
    if help_request.requester_id != current_user.id:
        abort(403)
    form = _request_form(help_request)
    if form.validate_on_submit() and save_form(
            lambda: help_requests.update_request(help_request, current_user,
                                                 _request_data(form)),
            form, _("Your changes are saved.")):
        return redirect(url_for("help.detail", request_id=request_id))
    return render_template("help/form.html", form=form, help_request=help_request)


REQUEST_ACTIONS = {
    "cancel": (help_requests.cancel_request, lambda: _("Your request is cancelled.")),
    "complete": (help_requests.complete_request, lambda: _("Marked as done. Thank you!")),
    "confirm-happened": (help_requests.confirm_happened, lambda: _("Thank you for confirming.")),
}


@bp.route("/help/<int:request_id>/<any(cancel, complete, 'confirm-happened'):action>",
          methods=["POST"])
@login_required
def act(request_id: int, action: str):
    help_request = _visible(request_id)
    step, message = REQUEST_ACTIONS[action]
    return perform(lambda: step(help_request, current_user), message(),
                   url_for("help.detail", request_id=request_id))


@bp.route("/help/<int:request_id>/offers", methods=["POST"])
@login_required
@post_limits
def offer(request_id: int):
    help_request = _visible(request_id)
    form = OfferForm()
    if not form.validate_on_submit():
        flash(_("Please write a short message (at most 500 characters)."), "danger")
        return redirect(url_for("help.detail", request_id=request_id))
    return perform(lambda: help_requests.offer_help(help_request, current_user,
                                                    form.message.data),
                   _("Your offer is sent. You will be told if it is accepted."),
                   url_for("help.detail", request_id=request_id))


OFFER_ACTIONS = {
    "accept": (help_requests.accept_offer,
               lambda: _("Offer accepted: the volunteer can now see your phone number.")),
    "withdraw": (help_requests.withdraw_offer, lambda: _("Your offer is withdrawn.")),
}


@bp.route("/help-offers/<int:offer_id>/<any(accept, withdraw):action>", methods=["POST"])
@login_required
def offer_action(offer_id: int, action: str):
    help_offer = help_requests.get_offer(offer_id)
    if current_user.id not in (help_offer.volunteer_id, help_offer.help_request.requester_id):
        abort(404)  # strangers are not told the offer exists
    step, message = OFFER_ACTIONS[action]
    return perform(lambda: step(help_offer, current_user), message(),
                   url_for("help.detail", request_id=help_offer.help_request_id))


@bp.route("/help/<int:request_id>/feedback", methods=["POST"])
@login_required
def feedback(request_id: int):
    help_request = _visible(request_id)
    form = RateForm()
    back = url_for("help.detail", request_id=request_id)
    if not form.validate_on_submit():
        flash(_("Please choose 1 to 5 stars."), "danger")
        return redirect(back)
    return perform(lambda: help_requests.rate(help_request, current_user, form.rating.data,
                                              form.comment.data),
                   _("Thank you for your rating!"), back)


@bp.route("/help/<int:request_id>/hide", methods=["POST"])
@admin_required
def hide(request_id: int):
    help_request = help_requests.get_request(request_id)
    reason = request.form.get("reason", "")  # the reason's rule is the service's
    return perform(lambda: help_requests.hide_request(help_request, current_user, reason),
                   _("The request is hidden."), url_for("help.detail", request_id=request_id))


@bp.route("/help/<int:request_id>/unhide", methods=["POST"])
@admin_required
def unhide(request_id: int):
    help_request = help_requests.get_request(request_id)
    return perform(lambda: help_requests.unhide_request(help_request, current_user),
                   _("The request is visible again."),
                   url_for("help.detail", request_id=request_id))


@bp.route("/my/help")
@login_required
def mine():
    requests = queries.requests_of(current_user.id, request.args.get("cursor"), PAGE_SIZE)
    offers = queries.offers_by(current_user.id, request.args.get("offers_cursor"), PAGE_SIZE)
    return render_template("help/mine.html", requests=requests, offers=offers)


def _visible(request_id: int):
    help_request = help_requests.get_request(request_id)
    if not help_requests.can_view(help_request, current_user):
        abort(404)
    return help_request


def _request_form(help_request=None) -> HelpRequestForm:
    editing = help_request is not None and request.method == "GET"
    form = HelpRequestForm(obj=help_request) if editing else HelpRequestForm()
    categories = active_categories()
    if editing:
        form.urgency.data = help_request.urgency.value
    elif request.method == "GET":
        form.community.data = current_user.community
        form.contact.data = current_user.phone
        # Begun from a search that found nothing (listings/_no_results.html).
        draft = help_requests.draft_from_search(request.args.get("title"),
                                                request.args.get("category"), categories)
        if draft.title:
            form.title.data = draft.title
        if draft.category_id:
            form.category_id.data = draft.category_id
    form.category_id.choices = [SelectChoice(c.id, category_name(c)) for c in categories]
    return form


def _request_data(form: HelpRequestForm) -> help_requests.HelpRequestData:
    return help_requests.HelpRequestData(
        title=form.title.data, details=form.details.data, category_id=form.category_id.data,
        community=form.community.data, contact=form.contact.data,
        urgency=Urgency(form.urgency.data), preferred_time=form.preferred_time.data)
