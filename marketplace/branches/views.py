"""Branch pages for everyone (the directory, a branch's public page, asking
to join, my branches) and for leads (members, requests, roles)."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import User
from ..authz import can_manage_branch, lead_required, led_branches
from ..exceptions import DomainError, NotAllowed
from ..extensions import db, limiter
from ..hours.models import HourRecord, HourStatus
from ..pages import keyset_page, save_form
from ..redirects import safe_next_url
from . import queries
from . import requests as join_requests
from . import services as members
from .forms import (
    AddMemberForm,
    JoinForm,
    MoveHomeForm,
    MoveMemberForm,
    RefuseForm,
    RoleForm,
    SearchForm,
)
from .models import Branch, BranchKind, Membership, MembershipKind, MembershipRole

bp = Blueprint("branches", __name__, template_folder="templates")

PAGE_SIZE = 50


def _page(query, *args, **kwargs):
    return keyset_page(lambda cursor: query(*args, cursor, PAGE_SIZE, **kwargs))


def _act(step, success: str, back: str, standing: bool = False):
    """One domain action as one transaction. A refusal of who is asking is a
    403, unless they manage the branch (`standing`): then it is a message,
    like any rule that says no now."""
    try:
        step()
    except NotAllowed as exc:
        db.session.rollback()
        if not standing:
            abort(403)
        flash(str(exc.message), "danger")
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(back)


def _join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


# -- everyone -------------------------------------------------------------------------

@bp.route("/branches/")
def directory():
    form = SearchForm(request.args)
    q = form.q.data if form.validate() and form.q.data else ""
    return render_template("branches/directory.html", form=form,
                           page=_page(queries.search, q), args=request.args)


@bp.route("/branches/<int:branch_id>")
def detail(branch_id: int):
    return _detail(queries.branch_for_page(branch_id), JoinForm(), MoveHomeForm())


def _detail(branch: Branch, join_form: JoinForm, move_form: MoveHomeForm):
    mine = home = None
    if current_user.is_authenticated:
        mine = members.live_membership(current_user, branch)
        home = members.home_membership(current_user)
    successor = db.session.get(Branch, branch.successor_id) if branch.successor_id else None
    children = (_page(queries.children, branch.id) if branch.kind == BranchKind.COMMITTEE
                else None)
    return render_template(
        "branches/detail.html", branch=branch, summary=queries.branch_summary(branch.id),
        children=children,
        leads=queries.leads(branch.id), alliances=queries.alliances_of(branch.id),
        successor=successor, mine=mine, home=home, join_form=join_form, move_form=move_form,
        can_manage=can_manage_branch(current_user, branch))


@bp.route("/branches/<int:branch_id>/join", methods=["POST"])
@login_required
@limiter.limit(_join_limit, key_func=lambda: f"branch-join:{current_user.id}")
def join(branch_id: int):
    branch = queries.branch_for_page(branch_id)
    form = JoinForm()
    if form.validate_on_submit() and save_form(
            lambda: join_requests.request_to_join(branch, current_user,
                                            MembershipKind(form.membership.data),
                                            form.message.data),
            form, _("Your request is sent; a lead of the branch will answer it.")):
        return redirect(url_for("branches.mine"))
    return _detail(branch, form, MoveHomeForm())


@bp.route("/branches/<int:branch_id>/move-home", methods=["POST"])
@login_required
@limiter.limit(_join_limit, key_func=lambda: f"branch-join:{current_user.id}")
def move_home_request(branch_id: int):
    branch = queries.branch_for_page(branch_id)
    form = MoveHomeForm()
    if form.validate_on_submit() and save_form(
            lambda: join_requests.request_move_home(branch, current_user, form.message.data),
            form, _("Your request to move your home branch is sent; a lead of the new branch "
                    "will answer it.")):
        return redirect(url_for("branches.mine"))
    return _detail(branch, JoinForm(), form)


@bp.route("/my/branches")
@login_required
def mine():
    return render_template(
        "branches/mine.html", live=queries.my_live(current_user.id),
        history=_page(queries.my_memberships, current_user.id, history_only=True))


# -- leads ----------------------------------------------------------------------------

@bp.route("/branches/lead")
@lead_required
def lead_home():
    """The lead's overview: the branches they lead, what awaits review and
    who asks to join."""
    branches = led_branches(current_user)
    ids = [b.id for b in branches]
    pending = dict(db.session.execute(
        sa.select(HourRecord.branch_id, sa.func.count())
        .where(HourRecord.branch_id.in_(ids), HourRecord.status == HourStatus.SUBMITTED)
        .group_by(HourRecord.branch_id)
    ).all())
    return render_template("branches/lead_home.html", branches=branches, pending=pending,
                           requests=queries.pending_counts(ids))


def _managed(branch_id: int) -> Branch:
    branch = queries.branch_for_page(branch_id)
    if not can_manage_branch(current_user, branch):
        abort(403)
    return branch


@bp.route("/branches/<int:branch_id>/members")
@login_required
def members_page(branch_id: int):
    show = request.args.get("show", "active")
    show = show if show in queries.MEMBER_LISTS else "active"
    return _members(_managed(branch_id), show, AddMemberForm())


def _members(branch: Branch, show: str, add_form: AddMemberForm):
    return render_template(
        "branches/members.html", branch=branch, show=show,
        page=_page(queries.members, branch.id, queries.MEMBER_LISTS[show]),
        requests=queries.pending_counts([branch.id]).get(branch.id, 0),
        can_appoint=members.can_appoint_leads(current_user, branch),
        refuse_form=RefuseForm(), move_form=MoveMemberForm(), add_form=add_form)


@bp.route("/branches/<int:branch_id>/members/add", methods=["POST"])
@login_required
def add_member(branch_id: int):
    """Add a member by username; what was typed stays in the form on error."""
    branch = _managed(branch_id)
    form = AddMemberForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(
            User.username == form.username.data.strip()))
        if user is None:
            form.username.errors = [*form.username.errors, _("No account has this username.")]
        elif save_form(lambda: members.add_member(
                branch, user, MembershipKind(form.membership.data),
                MembershipRole(form.role.data), actor=current_user),
                form, _("%(name)s is a member now.", name=user.display_name),
                rename={"user_id": "username"}):
            return redirect(url_for("branches.members_page", branch_id=branch.id))
    return _members(queries.branch_for_page(branch_id), "active", form)


@bp.route("/branches/<int:branch_id>/requests/accept", methods=["POST"])
@login_required
def accept_selected(branch_id: int):
    branch = _managed(branch_id)
    back = url_for("branches.members_page", branch_id=branch.id, show="pending")
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit() and len(i) < 10]
    if not ids:
        flash(_("Tick the requests to accept first."), "warning")
        return redirect(back)
    chosen = queries.memberships_by_ids(ids)
    if any(m.branch_id != branch.id for m in chosen):
        abort(400)
    return _act(lambda: join_requests.accept_many(chosen, current_user),
                _("%(n)d requests accepted.", n=len(chosen)), back, standing=True)


# -- one membership -------------------------------------------------------------------

def _membership(membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        abort(404)
    return membership


def _standing(membership: Membership) -> bool:
    """Whoever manages the branch is told why a rule says no (their own
    request, a lead only those above remove); anyone else gets a 403."""
    return can_manage_branch(current_user, membership.branch)


def _back(membership: Membership) -> str:
    default = (url_for("branches.mine") if membership.user_id == current_user.id
               else url_for("branches.members_page", branch_id=membership.branch_id))
    target = request.form.get("next")
    return safe_next_url(target) if target else default


ACTIONS = {
    "accept": (join_requests.accept, lambda: _("Accepted; the volunteer is told.")),
    "withdraw": (join_requests.withdraw, lambda: _("Your request is withdrawn.")),
    "end": (members.end_membership, lambda: _("The membership has ended.")),
}


@bp.route("/memberships/<int:membership_id>/<any(accept, withdraw, end):action>",
          methods=["POST"])
@login_required
def act(membership_id: int, action: str):
    membership = _membership(membership_id)
    step, message = ACTIONS[action]
    return _act(lambda: step(membership, current_user), message(), _back(membership),
                _standing(membership))


@bp.route("/memberships/<int:membership_id>/refuse", methods=["POST"])
@login_required
def refuse(membership_id: int):
    membership = _membership(membership_id)
    form = RefuseForm()  # the reason's rule is the service's, after who may refuse
    return _act(lambda: join_requests.refuse(membership, current_user, form.reason.data),
                _("Refused; the volunteer is told."), _back(membership), _standing(membership))


@bp.route("/memberships/<int:membership_id>/role", methods=["POST"])
@login_required
def set_role(membership_id: int):
    membership = _membership(membership_id)
    if not _standing(membership):
        abort(403)  # who asks, before what they sent
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    role = MembershipRole(form.role.data)
    done = (_("Appointed as a lead.") if role == MembershipRole.LEAD
            else _("No longer a lead."))
    return _act(lambda: members.set_role(membership, role, current_user), done,
                _back(membership), standing=True)


@bp.route("/memberships/<int:membership_id>/move-home", methods=["POST"])
@login_required
def move_member_home(membership_id: int):
    membership = _membership(membership_id)
    if not can_manage_branch(current_user, membership.branch):
        abort(403)
    form = MoveMemberForm()
    back = _back(membership)
    # None when no existing branch is named: the rule's own message.
    target = db.session.get(Branch, form.branch_id.data) if form.validate_on_submit() else None
    return _act(lambda: members.move_member_home(membership, target, current_user),
                _("The home branch is moved; the old one stays in the history."), back,
                standing=True)
