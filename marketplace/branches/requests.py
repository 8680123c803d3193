"""Asking to join a branch and a lead's answer.

A volunteer asks to join as a home member (组织关系) or a functional one
(兼合式), or to move their home here; a lead of the branch or of a committee
above it (or an admin) accepts — one by one or a selection at once, all or
nothing — or refuses with a reason; the asker may withdraw while nobody has
answered. Nobody answers their own request. What a membership then does
(counts, locks, the one-home rule) is services.py's.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record as audit
from ..authz import can_manage_branch
from ..exceptions import Conflict, InvalidInput, NotAllowed
from ..extensions import db
from ..locking import lock_row
from ..notifications.services import notify
from . import services as members
from .models import Branch, Membership, MembershipKind, MembershipRole, MembershipStatus

MESSAGE_MAX = 200


class HomeRequestPending(Conflict):
    message = _l("A request to make another branch the home branch already waits; withdraw "
                 "it first.")


class NotPending(Conflict):
    message = _l("This request has been answered already.")


class OwnRequest(NotAllowed):
    message = _l("Nobody accepts or refuses their own request.")


def pending_home_request(user) -> Membership | None:
    return db.session.scalar(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.membership == MembershipKind.HOME,
        Membership.status == MembershipStatus.PENDING))


def _check_message(message: str | None) -> str | None:
    message = (message or "").strip() or None
    if message and len(message) > MESSAGE_MAX:
        raise InvalidInput(_l("At most 200 characters."), field="message")
    return message


# -- asking to join -------------------------------------------------------------------

def request_to_join(branch: Branch, user, membership: MembershipKind,
                    message: str | None = None) -> Membership:
    """Ask to join as a home or functional member; a lead answers."""
    return _ask(branch, user, membership, message, moving=False)


def request_move_home(branch: Branch, user, message: str | None = None) -> Membership:
    """Ask a lead of `branch` to make it the home branch; accepted, the old
    home membership ends (kept as history) and this one starts."""
    return _ask(branch, user, MembershipKind.HOME, message, moving=True)


def _ask(branch: Branch, user, kind: MembershipKind, message: str | None,
         moving: bool) -> Membership:
    message = _check_message(message)
    members.check_joinable(branch)
    existing = members.live_membership(user, branch)
    if existing is not None:
        if existing.status == MembershipStatus.PENDING:
            raise members.AlreadyAsked()
        raise members.AlreadyMember(_l("You are a member of this branch already."))
    home = None
    if kind == MembershipKind.HOME:
        home = members.home_membership(user)
        if home is not None and not moving:
            raise members.HomeBranchTaken(_l("You have a home branch already: ask to move "
                                             "your home here instead."))
        if home is not None:
            members.check_move(home.branch, branch)
        if pending_home_request(user) is not None:
            raise HomeRequestPending()
    member = Membership(user=user, branch=branch, membership=kind, role=MembershipRole.MEMBER,
                        status=MembershipStatus.PENDING, message=message)
    db.session.add(member)
    db.session.flush()
    for lead_id in members.lead_ids(branch):
        if lead_id != user.id:
            notify(lead_id, "membership.requested", **members.notice_details(
                member, member=user.display_name, membership=kind.value,
                moving_home=home is not None))
    audit(user, "membership.request", member, branch_id=branch.id, membership=kind.value,
          moving_home=home is not None)
    return member


def withdraw(membership: Membership, actor) -> Membership:
    """The asker takes back a request nobody has answered (kept as ended,
    never started)."""
    if membership.user_id != actor.id:
        raise NotAllowed()
    membership = lock_row(Membership, membership.id)
    if membership.status != MembershipStatus.PENDING:
        raise NotPending()
    members.close(membership)
    audit(actor, "membership.withdraw", membership, branch_id=membership.branch_id)
    return membership


# -- a lead's answer ------------------------------------------------------------------

def _answerable(membership: Membership, actor) -> None:
    if not can_manage_branch(actor, membership.branch):
        raise NotAllowed()
    if membership.user_id == actor.id:
        raise OwnRequest()


def accept(membership: Membership, actor) -> Membership:
    """Make a request active; a home request of someone with a home
    elsewhere moves their home here."""
    _answerable(membership, actor)
    user = members.lock_user(membership.user_id)
    old = members.home_membership(user) if membership.membership == MembershipKind.HOME else None
    members.lock_branches(membership.branch_id, *([old.branch_id] if old else []))
    membership = lock_row(Membership, membership.id)
    if membership.status != MembershipStatus.PENDING:
        raise NotPending()
    members.check_joinable(membership.branch)
    if old is not None:
        members.check_move(old.branch, membership.branch)
        members.close(old)
    members.activate(membership)
    notify(membership.user_id, "membership.accepted", **members.notice_details(
        membership, membership=membership.membership.value,
        moved_from=old.branch.name if old else None))
    audit(actor, "membership.accept", membership, branch_id=membership.branch_id,
          user_id=membership.user_id, moved_from=old.branch_id if old else None)
    return membership


def accept_many(memberships: list[Membership], actor) -> int:
    """Accept a selection in one action: the first refusal raises, and the
    caller's single transaction then accepts none of them."""
    for membership in memberships:
        accept(membership, actor)
    return len(memberships)


def refuse(membership: Membership, actor, reason: str | None = None) -> Membership:
    _answerable(membership, actor)
    reason = (reason or "").strip() or None
    if reason and len(reason) > MESSAGE_MAX:
        raise InvalidInput(_l("At most 200 characters."), field="reason")
    membership = lock_row(Membership, membership.id)
    if membership.status != MembershipStatus.PENDING:
        raise NotPending()
    members.close(membership, MembershipStatus.REFUSED)
    notify(membership.user_id, "membership.refused",
           **members.notice_details(membership, reason=reason))
    audit(actor, "membership.refuse", membership, branch_id=membership.branch_id,
          user_id=membership.user_id, reason=reason)
    return membership
