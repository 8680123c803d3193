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
from ..forms import apply_domain_error
from ..hours.models import HourRecord, HourStatus
from ..redirects import safe_next_url
from . import queries
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
from .models import Branch, Membership, MembershipKind, MembershipRole, MembershipStatus

bp = Blueprint("branches", __name__, template_folder="templates")

PAGE_SIZE = 50
SHOW = {"active": (MembershipStatus.ACTIVE,), "pending": (MembershipStatus.PENDING,),
        "history": (MembershipStatus.ENDED, MembershipStatus.REFUSED)}


def _page(query, *args):
    """A page of a keyset list; a stale or forged cursor starts from the top."""
    try:
        return query(*args, request.args.get("cursor"), PAGE_SIZE)
    except DomainError:
        return query(*args, None, PAGE_SIZE)


def _act(step, success: str, back: str):
    """One domain action as one transaction: a refusal of who is asking is a
    403; a rule that says no now is a message."""
    try:
        step()
    except NotAllowed:
        db.session.rollback()
        abort(403)
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
    return render_template(
        "branches/detail.html", branch=branch, summary=queries.branch_summary(branch.id),
        leads=queries.leads(branch.id), alliances=queries.alliances_of(branch.id),
        successor=successor, mine=mine, home=home, join_form=join_form, move_form=move_form,
        can_manage=can_manage_branch(current_user, branch))


@bp.route("/branches/<int:branch_id>/join", methods=["POST"])
@login_required
@limiter.limit(_join_limit, key_func=lambda: f"branch-join:{current_user.id}")
def join(branch_id: int):
    branch = queries.branch_for_page(branch_id)
    form = JoinForm()
    if form.validate_on_submit():
        try:
            members.request_to_join(branch, current_user, MembershipKind(form.membership.data),
                                    form.message.data)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your request is sent; a lead of the branch will answer it."), "success")
            return redirect(url_for("branches.mine"))
    return _detail(branch, form, MoveHomeForm())


@bp.route("/branches/<int:branch_id>/move-home", methods=["POST"])
@login_required
@limiter.limit(_join_limit, key_func=lambda: f"branch-join:{current_user.id}")
def move_home_request(branch_id: int):
    branch = queries.branch_for_page(branch_id)
    form = MoveHomeForm()
    if form.validate_on_submit():
        try:
            members.request_move_home(branch, current_user, form.message.data)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your request to move your home branch is sent; a lead of the new branch "
                    "will answer it."), "success")
            return redirect(url_for("branches.mine"))
    return _detail(branch, JoinForm(), form)


@bp.route("/my/branches")
@login_required
def mine():
    return render_template(
        "branches/mine.html", live=queries.my_live(current_user.id),
        history=_page(queries.my_memberships, current_user.id, True))


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
    branch = _managed(branch_id)
    show = request.args.get("show", "active")
    if show not in SHOW:
        show = "active"
    return render_template(
        "branches/members.html", branch=branch, show=show,
        page=_page(queries.members, branch.id, SHOW[show]),
        requests=queries.pending_counts([branch.id]).get(branch.id, 0),
        can_appoint=members.can_appoint_leads(current_user, branch),
        refuse_form=RefuseForm(), move_form=MoveMemberForm(), add_form=AddMemberForm())


@bp.route("/branches/<int:branch_id>/members/add", methods=["POST"])
@login_required
def add_member(branch_id: int):
    branch = _managed(branch_id)
    form = AddMemberForm()
    back = url_for("branches.members_page", branch_id=branch.id)
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "danger")
        return redirect(back)
    user = db.session.scalar(sa.select(User).where(User.username == form.username.data.strip()))
    if user is None:
        flash(_("No account has this username."), "danger")
        return redirect(back)
    return _act(lambda: members.add_member(
        branch, user, MembershipKind(form.membership.data), MembershipRole(form.role.data),
        actor=current_user), _("%(name)s is a member now.", name=user.display_name), back)


@bp.route("/branches/<int:branch_id>/requests/accept", methods=["POST"])
@login_required
def accept_selected(branch_id: int):
    branch = _managed(branch_id)
    back = url_for("branches.members_page", branch_id=branch.id, show="pending")
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    if not ids:
        flash(_("Tick the requests to accept first."), "warning")
        return redirect(back)
    chosen = queries.memberships_by_ids(ids)
    if any(m.branch_id != branch.id for m in chosen):
        abort(400)
    return _act(lambda: members.accept_many(chosen, current_user),
                _("%(n)d requests accepted.", n=len(chosen)), back)


# -- one membership -------------------------------------------------------------------

def _membership(membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        abort(404)
    return membership


def _back(membership: Membership) -> str:
    default = (url_for("branches.mine") if membership.user_id == current_user.id
               else url_for("branches.members_page", branch_id=membership.branch_id))
    target = request.form.get("next")
    return safe_next_url(target) if target else default


ACTIONS = {
    "accept": (members.accept, lambda: _("Accepted; the volunteer is told.")),
    "withdraw": (members.withdraw, lambda: _("Your request is withdrawn.")),
    "end": (members.end_membership, lambda: _("The membership has ended.")),
}


@bp.route("/memberships/<int:membership_id>/<any(accept, withdraw, end):action>",
          methods=["POST"])
@login_required
def act(membership_id: int, action: str):
    membership = _membership(membership_id)
    step, message = ACTIONS[action]
    return _act(lambda: step(membership, current_user), message(), _back(membership))


@bp.route("/memberships/<int:membership_id>/refuse", methods=["POST"])
@login_required
def refuse(membership_id: int):
    membership = _membership(membership_id)
    form = RefuseForm()  # the reason's rule is the service's, after who may refuse
    return _act(lambda: members.refuse(membership, current_user, form.reason.data),
                _("Refused; the volunteer is told."), _back(membership))


@bp.route("/memberships/<int:membership_id>/role", methods=["POST"])
@login_required
def set_role(membership_id: int):
    membership = _membership(membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    role = MembershipRole(form.role.data)
    done = (_("Appointed as a lead.") if role == MembershipRole.LEAD
            else _("No longer a lead."))
    return _act(lambda: members.set_role(membership, role, current_user), done,
                _back(membership))


@bp.route("/memberships/<int:membership_id>/move-home", methods=["POST"])
@login_required
def move_member_home(membership_id: int):
    membership = _membership(membership_id)
    if not can_manage_branch(current_user, membership.branch):
        abort(403)
    form = MoveMemberForm()
    back = _back(membership)
    target = db.session.get(Branch, form.branch_id.data) if form.validate_on_submit() else None
    if target is None:
        flash(_("Please give the number of an existing branch."), "danger")
        return redirect(back)
    return _act(lambda: members.move_home(membership.user, target, current_user),
                _("The home branch is moved; the old one stays in the history."), back)
