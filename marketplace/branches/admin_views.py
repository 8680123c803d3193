"""The district office's branch pages: the tree, create, rename, move, retire, alliances."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..authz import admin_required
from ..extensions import db
from ..pages import keyset_page, perform, save_form
from . import queries, tree
from . import services as members
from .forms import (
    AllianceBranchForm,
    AllianceForm,
    BranchFilterForm,
    BranchForm,
    MoveForm,
    RenameForm,
    RetireForm,
    SearchForm,
)
from .models import Branch, BranchKind, MembershipStatus

bp = Blueprint("branches_admin", __name__, url_prefix="/admin/branches",
               template_folder="templates")

PAGE_SIZE = 50


def _page(query, *args, cursor_arg: str = "cursor", **kwargs):
    return keyset_page(lambda cursor: query(*args, cursor, PAGE_SIZE, **kwargs), cursor_arg)


def _branch_by_number(field) -> Branch | None:
    """The branch a number field names, or None with the field's error."""
    branch = db.session.get(Branch, field.data)
    if branch is None:
        field.errors = [*field.errors, _("No branch has this number.")]
    return branch


# -- the tree -------------------------------------------------------------------------

@bp.route("/")
@admin_required
def index():
    form = BranchFilterForm(request.args)
    form.validate()
    kind = form.kind.data if form.kind.data and not form.kind.errors else None
    status = form.status.data if form.status.data and not form.status.errors else "live"
    parent = form.parent.data if not form.parent.errors else None
    page = _page(queries.search, (form.q.data or "") if not form.q.errors else "",
                 parent_id=parent, kind=BranchKind(kind) if kind else None, retired=status)
    return render_template("branches/admin_list.html", form=form, page=page,
                           args=request.args)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = BranchForm()
    if request.method == "GET" and request.args.get("parent_id", "").isdigit():
        form.parent_id.data = int(request.args["parent_id"])  # "new branch under it"
    if form.validate_on_submit():
        parent = _branch_by_number(form.parent_id) if form.parent_id.data else None
        if not form.parent_id.errors:
            created = []

            def step():
                created.append(members.create_branch(
                    form.name.data, BranchKind(form.kind.data), parent=parent,
                    actor=current_user, code=form.code.data, community=form.community.data))

            if save_form(step, form, _("The branch is created.")):
                return redirect(url_for("branches_admin.detail", branch_id=created[0].id))
    return render_template("branches/admin_new.html", form=form)


@bp.route("/<int:branch_id>")
@admin_required
def detail(branch_id: int):
    return _detail(queries.branch_for_page(branch_id))


def _detail(branch: Branch, **forms):
    rename = forms.get("rename") or RenameForm(formdata=None, name=branch.name)
    move = forms.get("move") or MoveForm(formdata=None, parent_id=branch.parent_id)
    retire = forms.get("retire") or RetireForm(formdata=None)
    successor = db.session.get(Branch, branch.successor_id) if branch.successor_id else None
    return render_template(
        "branches/admin_detail.html", branch=branch, successor=successor,
        children=_page(queries.children, branch.id),
        members=queries.members(branch.id, (MembershipStatus.ACTIVE,), None, 20),
        alliances=queries.alliances_of(branch.id), rename=rename, move=move, retire=retire)


@bp.route("/<int:branch_id>/rename", methods=["POST"])
@admin_required
def rename(branch_id: int):
    branch = queries.branch_for_page(branch_id)
    form = RenameForm()
    if form.validate_on_submit() and save_form(
            lambda: tree.rename_branch(branch, form.name.data, current_user), form,
            _("Renamed.")):
        return redirect(url_for("branches_admin.detail", branch_id=branch_id))
    return _detail(queries.branch_for_page(branch_id), rename=form)


@bp.route("/<int:branch_id>/move", methods=["POST"])
@admin_required
def move(branch_id: int):
    branch = queries.branch_for_page(branch_id)
    form = MoveForm()
    if form.validate_on_submit():
        parent = _branch_by_number(form.parent_id) if form.parent_id.data else None
        if not form.parent_id.errors and save_form(
                lambda: tree.move_branch(branch, parent, current_user), form,
                _("Moved, with everything under it.")):
            return redirect(url_for("branches_admin.detail", branch_id=branch_id))
    return _detail(queries.branch_for_page(branch_id), move=form)


@bp.route("/<int:branch_id>/retire", methods=["POST"])
@admin_required
def retire(branch_id: int):
    branch = queries.branch_for_page(branch_id)
    form = RetireForm()
    if form.validate_on_submit():
        successor = _branch_by_number(form.successor_id) if form.successor_id.data else None
        if not form.successor_id.errors and save_form(
                lambda: tree.retire_branch(branch, current_user, successor), form,
                _("The branch is retired.")):
            return redirect(url_for("branches_admin.detail", branch_id=branch_id))
    return _detail(queries.branch_for_page(branch_id), retire=form)


# -- alliances ------------------------------------------------------------------------

@bp.route("/alliances", methods=["GET", "POST"])
@admin_required
def alliances():
    search = SearchForm(request.args)
    q = search.q.data if search.validate() and search.q.data else ""
    form = AllianceForm()
    if form.validate_on_submit():
        created = []

        def step():
            created.append(tree.create_alliance(form.name.data, form.description.data,
                                                current_user))

        if save_form(step, form, _("The alliance is created.")):
            return redirect(url_for("branches_admin.alliance", alliance_id=created[0].id))
    page = _page(queries.search_alliances, q)
    return render_template("branches/admin_alliances.html", form=form, search=search,
                           page=page, sizes=queries.alliance_sizes([a.id for a in page.items]),
                           args=request.args)


@bp.route("/alliances/<int:alliance_id>", methods=["GET", "POST"])
@admin_required
def alliance(alliance_id: int):
    found = tree.get_alliance(alliance_id)
    form = AllianceForm(obj=found)
    if form.validate_on_submit() and save_form(
            lambda: tree.update_alliance(found, current_user, form.name.data,
                                         form.description.data, set_description=True),
            form, _("Saved.")):
        return redirect(url_for("branches_admin.alliance", alliance_id=alliance_id))
    return _alliance(alliance_id, form=form)


def _alliance(alliance_id: int, form: AllianceForm | None = None,
              add_form: AllianceBranchForm | None = None):
    found = tree.get_alliance(alliance_id)
    return render_template(
        "branches/admin_alliance.html", alliance=found,
        form=form or AllianceForm(formdata=None, obj=found),
        add_form=add_form or AllianceBranchForm(formdata=None),
        page=_page(queries.alliance_branch_page, alliance_id), args=request.args)


@bp.route("/alliances/<int:alliance_id>/branches", methods=["POST"])
@admin_required
def alliance_add(alliance_id: int):
    found = tree.get_alliance(alliance_id)
    form = AllianceBranchForm()
    if form.validate_on_submit():
        branch = _branch_by_number(form.branch_id)
        if branch is not None and save_form(
                lambda: tree.add_to_alliance(found, branch, current_user), form,
                _("%(name)s joined the alliance.", name=branch.name)):
            return redirect(url_for("branches_admin.alliance", alliance_id=alliance_id))
    return _alliance(alliance_id, add_form=form)


@bp.route("/alliances/<int:alliance_id>/branches/<int:branch_id>/remove", methods=["POST"])
@admin_required
def alliance_remove(alliance_id: int, branch_id: int):
    found = tree.get_alliance(alliance_id)
    branch = queries.get_branch(branch_id)
    return perform(lambda: tree.remove_from_alliance(found, branch, current_user),
                   _("%(name)s left the alliance.", name=branch.name),
                   url_for("branches_admin.alliance", alliance_id=alliance_id))
