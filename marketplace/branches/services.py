"""Branch memberships (兼合式) and their rules, used by the pages, the API,
the CSV import and the demo.

Leads add and remove members; a member leaves a functional branch; a home
membership (组织关系) is never simply dropped: it ends only by moving home,
so a party member keeps exactly one. Admins and leads of a committee above
a branch appoint and demote its leads, nobody demotes themselves.
Branch.member_count moves with every change (`activate`, `close`), under
row locks taken in one order (the person, the branches by id, the
membership). Everything is in the audit log; the people concerned are
notified.

Asking to join and a lead's answer: requests.py. The branch tree itself
(rename, move, retire) and alliances: tree.py."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..audit.services import record as audit
from ..authz import can_manage_branch
from ..db import utcnow
from ..exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from ..extensions import db
from ..locking import lock_row
from ..notifications.services import notify
from .models import Branch, BranchKind, Membership, MembershipKind, MembershipRole, MembershipStatus

LIVE = (MembershipStatus.PENDING, MembershipStatus.ACTIVE)


class AlreadyMember(Conflict):
    message = _l("This person is already a member of the branch.")


class AlreadyAsked(Conflict):
    message = _l("A request to join this branch already waits for a lead's answer.")


class HomeBranchTaken(Conflict):
    message = _l("A party member has exactly one home branch; end the current one first.")


class NotJoinable(Conflict):
    message = _l("This branch takes no members.")


class NotActive(Conflict):
    message = _l("This membership is not active.")


class HomeStays(Conflict):
    message = _l("A home branch is never simply left: it ends only by moving home to another "
                 "branch.")


class CodeTaken(InvalidInput):
    """A field rule that conflicts with another row: 409, naming the field."""

    status = 409
    code = "conflict"
    message = _l("Another branch has this code already.")


# -- the tree's first step -------------------------------------------------------------

def check_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput(_l("Branch name: 1-120 characters."), field="name")
    return name


def create_branch(name: str, kind: BranchKind, parent: Branch | None = None,
                  actor=None, code: str | None = None, community: str | None = None) -> Branch:
    name = check_name(name)
    if parent is not None and parent.kind != BranchKind.COMMITTEE:
        raise InvalidInput(_l("Only a party committee can have branches under it."),
                           field="parent_id")
    if parent is not None and parent.retired_at is not None:
        raise InvalidInput(_l("This committee is retired."), field="parent_id")
    code = (code or "").strip() or None
    if code and db.session.scalar(sa.select(sa.exists().where(Branch.code == code))):
        raise CodeTaken(field="code")
    branch = Branch(name=name, kind=kind, parent=parent, code=code,
                    community=(community or "").strip() or None)
    db.session.add(branch)
    db.session.flush()
    branch.path = f"{parent.path if parent else '/'}{branch.id}/"
    audit(actor, "branch.create", branch, name=name)
    return branch


# -- who ------------------------------------------------------------------------------

def ancestor_ids(branch: Branch) -> list[int]:
    """The committees above a branch, top first (from its materialised path)."""
    return [int(part) for part in branch.path.strip("/").split("/") if part][:-1]


def can_appoint_leads(user, branch: Branch) -> bool:
    """Admins, and leads of a committee above the branch (not its own leads)."""
    if not user or not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    above = ancestor_ids(branch)
    return bool(above) and bool(db.session.scalar(sa.select(sa.exists().where(
        Membership.user_id == user.id, Membership.branch_id.in_(above),
        Membership.role == MembershipRole.LEAD, Membership.status == MembershipStatus.ACTIVE))))


def lead_ids(branch: Branch) -> list[int]:
    """Who answers requests to join: leads of the branch and of the committees above."""
    return list(db.session.scalars(
        sa.select(Membership.user_id).distinct()
        .where(Membership.branch_id.in_([*ancestor_ids(branch), branch.id]),
               Membership.role == MembershipRole.LEAD,
               Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.user_id)))


def live_membership(user, branch: Branch) -> Membership | None:
    return db.session.scalar(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.branch_id == branch.id,
        Membership.status.in_(LIVE)))


def home_membership(user) -> Membership | None:
    return db.session.scalar(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.membership == MembershipKind.HOME,
        Membership.status == MembershipStatus.ACTIVE))


def get_membership(membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        raise NotFound()
    return membership


def can_view(membership: Membership, user) -> bool:
    """The member, the branch's leads (and leads above it) and admins."""
    return membership.user_id == user.id or can_manage_branch(user, membership.branch)


# -- counts and locks -----------------------------------------------------------------

def count_members(branch_id: int, delta: int) -> None:
    """Add to the branch's member count in SQL (atomic, and two changes in one
    transaction add up); the loaded value is read again when next used."""
    if not delta:
        return
    db.session.execute(sa.update(Branch).where(Branch.id == branch_id)
                       .values(member_count=Branch.member_count + delta)
                       .execution_options(synchronize_session=False))
    branch = db.session.identity_map.get(db.session.identity_key(Branch, branch_id))
    if branch is not None:
        db.session.expire(branch, ["member_count"])


def lock_user(user_id: int) -> User:
    return lock_row(User, user_id)


def lock_branches(*branch_ids: int) -> None:
    for branch_id in sorted(set(branch_ids)):
        lock_row(Branch, branch_id)


def activate(membership: Membership) -> None:
    membership.status, membership.started_at, membership.ended_at = (
        MembershipStatus.ACTIVE, utcnow(), None)
    count_members(membership.branch_id or membership.branch.id, +1)
    user = membership.user
    user.is_volunteer = True
    if (membership.membership == MembershipKind.HOME
            and membership.branch.kind == BranchKind.PARTY_BRANCH):
        user.is_party_member = True


def close(membership: Membership, status: MembershipStatus = MembershipStatus.ENDED) -> None:
    was_active = membership.status == MembershipStatus.ACTIVE
    membership.status, membership.ended_at = status, utcnow()
    if was_active:
        count_members(membership.branch_id, -1)
    db.session.flush()  # an ended home frees the one-home index before a new one starts


def check_joinable(branch: Branch) -> None:
    if branch.retired_at is not None:
        raise NotJoinable(_l("This branch is retired."))
    if branch.kind == BranchKind.COMMITTEE:
        raise NotJoinable(_l("A party committee has no members of its own: join one of its "
                             "party branches or volunteer teams."))


def check_move(old: Branch, new: Branch) -> None:
    if old.id == new.id:
        raise Conflict(_l("This is the home branch already."))
    if old.kind == BranchKind.PARTY_BRANCH and new.kind != BranchKind.PARTY_BRANCH:
        raise NotJoinable(_l("A party member's home moves only to another party branch."))


def notice_details(member: Membership, /, **extra) -> dict:
    """What a notice about a membership carries (`membership=` may be among
    the extras: the kind, home or functional)."""
    return {"membership_id": member.id, "branch_id": member.branch_id,
            "branch_name": member.branch.name, **extra}


# -- members --------------------------------------------------------------------------

def add_member(branch: Branch, user, membership: MembershipKind,
               role: MembershipRole = MembershipRole.MEMBER, actor=None) -> Membership:
    """Add an active member directly: an admin, a lead of the branch or of a
    committee above it (a lead only by those who appoint leads), or the
    system when `actor` is None (CLI, import, demo)."""
    if actor is not None:
        if not can_manage_branch(actor, branch):
            raise NotAllowed()
        if role == MembershipRole.LEAD and not can_appoint_leads(actor, branch):
            raise NotAllowed(_l("Leads are appointed by an admin or a lead of the committee "
                                "above."))
    if branch.retired_at is not None:
        raise NotJoinable(_l("This branch is retired."))
    if branch.kind == BranchKind.COMMITTEE and role != MembershipRole.LEAD:
        raise NotJoinable(_l("A party committee has no members of its own, only its leads."))
    existing = live_membership(user, branch)
    if existing is not None:
        if existing.status == MembershipStatus.PENDING:
            raise AlreadyAsked(_l("This person has asked to join already: answer the request "
                                  "instead."))
        raise AlreadyMember()
    if membership == MembershipKind.HOME and home_membership(user):
        raise HomeBranchTaken()
    member = Membership(user=user, branch=branch, membership=membership, role=role)
    db.session.add(member)
    activate(member)
    audit(actor, "membership.add", member, branch_id=branch.id, user_id=user.id,
          membership=membership.value, role=role.value)
    return member


def end_membership(membership: Membership, actor) -> Membership:
    """A lead removes a member, or a member leaves a functional branch. A
    lead's membership is ended only by who may appoint leads."""
    by_self = membership.user_id == actor.id
    if not by_self:
        if not can_manage_branch(actor, membership.branch):
            raise NotAllowed()
        if (membership.role == MembershipRole.LEAD
                and not can_appoint_leads(actor, membership.branch)):
            raise NotAllowed(_l("Only an admin or a lead of the committee above removes a "
                                "lead."))
    lock_branches(membership.branch_id)
    membership = lock_row(Membership, membership.id)
    if membership.status != MembershipStatus.ACTIVE:
        raise NotActive()
    if membership.membership == MembershipKind.HOME:
        raise HomeStays()
    close(membership)
    if not by_self:
        notify(membership.user_id, "membership.ended", **notice_details(membership))
    audit(actor, "membership.leave" if by_self else "membership.remove", membership,
          branch_id=membership.branch_id, user_id=membership.user_id)
    return membership


def set_role(membership: Membership, role: MembershipRole, actor) -> Membership:
    """Appoint or demote a lead: admins and leads of a committee above."""
    if not can_appoint_leads(actor, membership.branch):
        raise NotAllowed(_l("Leads are appointed by an admin or a lead of the committee "
                            "above."))
    if membership.user_id == actor.id and role == MembershipRole.MEMBER:
        raise NotAllowed(_l("Nobody demotes themselves: ask an admin or a lead of the "
                            "committee above."))
    membership = lock_row(Membership, membership.id)
    if membership.status != MembershipStatus.ACTIVE:
        raise NotActive()
    if membership.branch.retired_at is not None:
        raise NotJoinable(_l("This branch is retired."))
    if membership.role == role:
        raise Conflict(_l("This member has this role already."))
    was, membership.role = membership.role, role
    notify(membership.user_id, "membership.role_changed", **notice_details(membership,
                                                                     role=role.value))
    audit(actor, "membership.role", membership, branch_id=membership.branch_id,
          user_id=membership.user_id, role=role.value, was=was.value)
    return membership


def move_home(user, branch: Branch, actor) -> Membership:
    """Move a person's home branch directly: an admin, or someone who manages
    both the old and the new branch. The old home membership ends (kept as
    history); a live membership in the new branch gives way to the new home."""
    old = home_membership(user)
    if not (can_manage_branch(actor, branch)
            and (old is None or can_manage_branch(actor, old.branch))):
        raise NotAllowed()
    check_joinable(branch)
    user = lock_user(user.id)
    old = home_membership(user)
    if old is not None:
        check_move(old.branch, branch)
    lock_branches(branch.id, *([old.branch_id] if old else []))
    there = live_membership(user, branch)
    role = MembershipRole.MEMBER
    if there is not None:
        there = lock_row(Membership, there.id)
        role = there.role
        close(there)
    if old is not None:
        close(old)
    member = Membership(user=user, branch=branch, membership=MembershipKind.HOME, role=role)
    db.session.add(member)
    activate(member)
    notify(user.id, "membership.home_moved", **notice_details(
        member, moved_from=old.branch.name if old else None))
    audit(actor, "membership.move_home", member, branch_id=branch.id, user_id=user.id,
          moved_from=old.branch_id if old else None)
    return member


def move_member_home(membership: Membership, branch: Branch | None, actor) -> Membership:
    """A lead moves the home branch of someone on a members list they manage
    (the members page's and the API's move-home): whoever manages the
    membership's branch, to an existing branch (`branch` None when the number
    given names none), and then move_home's own rule."""
    if not can_manage_branch(actor, membership.branch):
        raise NotAllowed()
    if branch is None:
        raise InvalidInput(_l("Please give the number of an existing branch."),
                           field="branch_id")
    return move_home(membership.user, branch, actor)
