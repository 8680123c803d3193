"""Branch memberships (services.py) and the branch tree (tree.py), without
HTTP: asking to join, the lead's answers, members and leads, one home
branch, moving home; rename, move, retire and alliances."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.branches import requests as join_requests
from marketplace.branches import services as members
from marketplace.branches import tree
from marketplace.branches.models import (
    Alliance,
    Branch,
    BranchKind,
    Membership,
    MembershipKind,
    MembershipRole,
    MembershipStatus,
    alliance_branches,
)
from marketplace.db import utcnow
from marketplace.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from marketplace.extensions import db
from marketplace.hours import services as hours
from marketplace.notifications.models import Notification

from .factories import make_branch, make_lead, make_user

HOME, FUNCTIONAL = MembershipKind.HOME, MembershipKind.FUNCTIONAL
LEAD = MembershipRole.LEAD


@pytest.fixture
def lead(branch):
    return make_lead(branch, display_name="周书记")


@pytest.fixture
def admin():
    return make_user(is_admin=True)


def _member(branch, kind=HOME, role=MembershipRole.MEMBER, **overrides):
    user = make_user(is_volunteer=True, **overrides)
    membership = members.add_member(branch, user, kind, role)
    db.session.commit()
    return user, membership


def _count(branch) -> int:
    db.session.refresh(branch)
    return branch.member_count


def _actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _notes(user, kind: str) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


# -- asking to join and the lead's answer -------------------------------------------------

def test_ask_to_join_as_functional_and_a_lead_accepts(branch, lead, committee):
    committee_lead = make_lead(committee)
    asker = make_user(display_name="王建国")
    request = join_requests.request_to_join(branch, asker, FUNCTIONAL, "  想参加周末服务  ")
    db.session.commit()
    assert (request.status, request.message, request.started_at) == (
        MembershipStatus.PENDING, "想参加周末服务", None)
    # The branch's lead and the committee's lead are both told.
    assert len(_notes(lead, "membership.requested")) == 1
    assert len(_notes(committee_lead, "membership.requested")) == 1
    assert _count(branch) == 1  # the lead only: a request is no member

    join_requests.accept(request, lead)
    db.session.commit()
    assert request.status == MembershipStatus.ACTIVE and request.started_at is not None
    assert _count(branch) == 2
    assert asker.is_volunteer and not asker.is_party_member
    assert _notes(asker, "membership.accepted")[0].params["branch_name"] == "米市巷第一党支部"
    entry = _actions("membership.accept")[0]
    assert (entry.actor_id, entry.target_id) == (lead.id, request.id)


def test_a_home_request_accepted_in_a_party_branch_makes_a_party_member(branch, lead):
    asker = make_user()
    join_requests.accept(join_requests.request_to_join(branch, asker, HOME), lead)
    db.session.commit()
    assert asker.is_party_member and members.home_membership(asker).branch_id == branch.id


def test_refuse_with_a_reason(branch, lead):
    asker = make_user()
    request = join_requests.request_to_join(branch, asker, FUNCTIONAL)
    join_requests.refuse(request, lead, "  不在本社区  ")
    db.session.commit()
    assert request.status == MembershipStatus.REFUSED and request.ended_at is not None
    assert _notes(asker, "membership.refused")[0].params["reason"] == "不在本社区"
    assert _actions("membership.refuse")[0].details["reason"] == "不在本社区"
    assert _count(branch) == 1
    # Refused, they may ask again.
    again = join_requests.request_to_join(branch, asker, FUNCTIONAL)
    assert again.status == MembershipStatus.PENDING


def test_a_too_long_refusal_reason_or_message_is_refused(branch, lead):
    with pytest.raises(InvalidInput) as caught:
        join_requests.request_to_join(branch, make_user(), FUNCTIONAL, "字" * 201)
    assert caught.value.field == "message"
    request = join_requests.request_to_join(branch, make_user(), FUNCTIONAL, "字" * 200)
    with pytest.raises(InvalidInput) as caught:
        join_requests.refuse(request, lead, "字" * 201)
    assert caught.value.field == "reason"
    assert request.status == MembershipStatus.PENDING


def test_withdraw_only_ones_own_unanswered_request(branch, lead):
    asker = make_user()
    request = join_requests.request_to_join(branch, asker, FUNCTIONAL)
    with pytest.raises(NotAllowed):
        join_requests.withdraw(request, lead)
    join_requests.withdraw(request, asker)
    db.session.commit()
    assert (request.status, request.started_at) == (MembershipStatus.ENDED, None)
    with pytest.raises(join_requests.NotPending):
        join_requests.withdraw(request, asker)
    answered = join_requests.request_to_join(branch, asker, FUNCTIONAL)
    join_requests.accept(answered, lead)
    with pytest.raises(join_requests.NotPending):
        join_requests.withdraw(answered, asker)


def test_a_request_is_answered_once(branch, lead):
    request = join_requests.request_to_join(branch, make_user(), FUNCTIONAL)
    join_requests.accept(request, lead)
    with pytest.raises(join_requests.NotPending):
        join_requests.accept(request, lead)
    with pytest.raises(join_requests.NotPending):
        join_requests.refuse(request, lead)
    assert _count(branch) == 2


def test_who_answers_a_request(branch, lead, other, committee, admin):
    requests = [join_requests.request_to_join(branch, make_user(), FUNCTIONAL) for _ in range(3)]
    for outsider in (make_lead(other), make_user(is_volunteer=True)):
        with pytest.raises(NotAllowed):
            join_requests.accept(requests[0], outsider)
        with pytest.raises(NotAllowed):
            join_requests.refuse(requests[0], outsider)
    join_requests.accept(requests[0], lead)
    join_requests.accept(requests[1], make_lead(committee))  # a lead of the committee above
    join_requests.refuse(requests[2], admin)
    assert [r.status for r in requests] == [MembershipStatus.ACTIVE, MembershipStatus.ACTIVE,
                                           MembershipStatus.REFUSED]


def test_nobody_answers_their_own_request(branch, committee):
    committee_lead = make_lead(committee)
    request = join_requests.request_to_join(branch, committee_lead, FUNCTIONAL)
    with pytest.raises(join_requests.OwnRequest):
        join_requests.accept(request, committee_lead)
    with pytest.raises(join_requests.OwnRequest):
        join_requests.refuse(request, committee_lead)


def test_accept_a_selection_at_once_all_or_nothing(branch, lead):
    requests = [join_requests.request_to_join(branch, make_user(), FUNCTIONAL) for _ in range(3)]
    db.session.commit()
    assert join_requests.accept_many(requests[:2], lead) == 2
    db.session.commit()
    assert _count(branch) == 3

    withdrawn = join_requests.request_to_join(branch, make_user(), FUNCTIONAL)
    join_requests.withdraw(withdrawn, withdrawn.user)
    db.session.commit()
    with pytest.raises(join_requests.NotPending):
        join_requests.accept_many([requests[2], withdrawn], lead)
    db.session.rollback()  # the caller's one transaction: none of them is accepted
    assert db.session.get(Membership, requests[2].id).status == MembershipStatus.PENDING
    assert _count(branch) == 3


def test_already_a_member_or_already_asked(branch, lead):
    user, _ = _member(branch, FUNCTIONAL)
    with pytest.raises(members.AlreadyMember):
        join_requests.request_to_join(branch, user, FUNCTIONAL)
    asker = make_user()
    join_requests.request_to_join(branch, asker, FUNCTIONAL)
    with pytest.raises(members.AlreadyAsked):
        join_requests.request_to_join(branch, asker, HOME)
    # Adding someone who asked already: answer the request instead.
    with pytest.raises(members.AlreadyAsked):
        members.add_member(branch, asker, FUNCTIONAL, actor=lead)


# -- committees and retired branches --------------------------------------------------

def test_a_committee_cannot_be_joined(committee, admin):
    user = make_user()
    for kind in (HOME, FUNCTIONAL):
        with pytest.raises(members.NotJoinable):
            join_requests.request_to_join(committee, user, kind)
    with pytest.raises(members.NotJoinable):
        members.add_member(committee, user, HOME, actor=admin)
    # Its leads are its only members.
    assert members.add_member(committee, user, HOME, LEAD, actor=admin).role == LEAD


def test_a_retired_branch_cannot_be_joined(branch, other, admin):
    tree.retire_branch(other, admin)
    db.session.commit()
    user = make_user()
    with pytest.raises(members.NotJoinable):
        join_requests.request_to_join(other, user, FUNCTIONAL)
    with pytest.raises(members.NotJoinable):
        members.add_member(other, user, FUNCTIONAL, actor=admin)
    home, _ = _member(branch)
    with pytest.raises(members.NotJoinable):
        join_requests.request_move_home(other, home)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.branch_id == other.id)) == 0


# -- members and leads ---------------------------------------------------------------

def test_a_lead_removes_a_member_and_a_member_leaves(branch, lead, other):
    removed, removed_m = _member(branch, FUNCTIONAL)
    leaving, leaving_m = _member(branch, FUNCTIONAL)
    assert _count(branch) == 3
    with pytest.raises(NotAllowed):
        members.end_membership(removed_m, make_lead(other))
    with pytest.raises(NotAllowed):
        members.end_membership(removed_m, leaving)  # a fellow member
    members.end_membership(removed_m, lead)
    members.end_membership(leaving_m, leaving)
    db.session.commit()
    assert removed_m.status == leaving_m.status == MembershipStatus.ENDED
    assert _count(branch) == 1
    assert len(_notes(removed, "membership.ended")) == 1 and not _notes(leaving,
                                                                         "membership.ended")
    assert [len(_actions(a)) for a in ("membership.remove", "membership.leave")] == [1, 1]
    with pytest.raises(members.NotActive):
        members.end_membership(removed_m, lead)


def test_a_home_membership_is_never_simply_ended(branch, lead):
    user, membership = _member(branch, HOME)
    for actor in (user, lead):
        with pytest.raises(members.HomeStays):
            members.end_membership(membership, actor)
    assert membership.status == MembershipStatus.ACTIVE


def test_a_leads_membership_is_ended_only_by_who_appoints_leads(branch, lead, committee,
                                                                 admin):
    co_leads = [_member(branch, FUNCTIONAL, LEAD)[1] for _ in range(2)]
    with pytest.raises(NotAllowed):
        members.end_membership(co_leads[0], lead)  # a lead of the same branch
    members.end_membership(co_leads[0], make_lead(committee))
    members.end_membership(co_leads[1], admin)
    assert [m.status for m in co_leads] == [MembershipStatus.ENDED] * 2


def test_leads_are_appointed_and_demoted_by_admins_and_committee_leads(branch, lead, committee,
                                                                       admin, other):
    user, membership = _member(branch, FUNCTIONAL)
    for not_allowed in (lead, user, make_lead(other)):
        with pytest.raises(NotAllowed):
            members.set_role(membership, LEAD, not_allowed)
    members.set_role(membership, LEAD, admin)
    db.session.commit()
    assert membership.role == LEAD
    assert _notes(user, "membership.role_changed")[0].params["role"] == "lead"
    with pytest.raises(Conflict):
        members.set_role(membership, LEAD, admin)
    committee_lead = make_lead(committee)
    members.set_role(membership, MembershipRole.MEMBER, committee_lead)
    assert membership.role == MembershipRole.MEMBER
    entry = _actions("membership.role")[-1]
    assert (entry.actor_id, entry.details["role"], entry.details["was"]) == (
        committee_lead.id, "member", "lead")
    # A lead adds members, but only who appoints leads adds a lead.
    with pytest.raises(NotAllowed):
        members.add_member(branch, make_user(), FUNCTIONAL, LEAD, actor=lead)
    assert members.add_member(branch, make_user(), FUNCTIONAL, actor=lead).role == (
        MembershipRole.MEMBER)


def test_nobody_demotes_themselves(branch, committee):
    committee_lead = make_lead(committee)
    membership = members.home_membership(committee_lead)
    with pytest.raises(NotAllowed):
        members.set_role(membership, MembershipRole.MEMBER, committee_lead)
    ended = _member(branch, FUNCTIONAL)[1]
    members.end_membership(ended, committee_lead)
    with pytest.raises(members.NotActive):
        members.set_role(ended, LEAD, committee_lead)


# -- one home branch, and moving it ----------------------------------------------------------

def test_exactly_one_home_branch(branch, other, lead, admin):
    user, _ = _member(branch, HOME)
    with pytest.raises(members.HomeBranchTaken):
        join_requests.request_to_join(other, user, HOME)
    with pytest.raises(members.HomeBranchTaken):
        members.add_member(other, user, HOME, actor=admin)
    assert join_requests.request_to_join(other, user, FUNCTIONAL).status == MembershipStatus.PENDING
    # Without a home, one home request at a time.
    homeless = make_user()
    join_requests.request_to_join(branch, homeless, HOME)
    with pytest.raises(join_requests.HomeRequestPending):
        join_requests.request_to_join(other, homeless, HOME)


def test_the_database_keeps_one_active_home(branch, other):
    user, _ = _member(branch, HOME)
    db.session.add(Membership(user_id=user.id, branch_id=other.id, membership=HOME,
                              status=MembershipStatus.ACTIVE))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_moving_home_keeps_the_old_one_as_history(branch, other, lead):
    user, old = _member(branch, HOME)
    other_lead = make_lead(other)
    with pytest.raises(Conflict):
        join_requests.request_move_home(branch, user)  # home already
    request = join_requests.request_move_home(other, user, "搬家了")
    db.session.commit()
    assert members.home_membership(user).id == old.id  # until a lead there accepts
    join_requests.accept(request, other_lead)
    db.session.commit()
    db.session.refresh(old)
    assert (old.status, old.membership) == (MembershipStatus.ENDED, HOME)
    assert old.started_at is not None and old.ended_at is not None
    assert members.home_membership(user).id == request.id
    assert (_count(branch), _count(other)) == (1, 2)
    assert _notes(user, "membership.accepted")[0].params["moved_from"] == "米市巷第一党支部"
    assert _actions("membership.accept")[0].details["moved_from"] == branch.id


def test_a_party_members_home_moves_only_to_a_party_branch(branch):
    user, _ = _member(branch, HOME)
    team = make_branch("青年志愿服务队", kind=BranchKind.VOLUNTEER_TEAM)
    with pytest.raises(members.NotJoinable):
        join_requests.request_move_home(team, user)


def test_an_admin_or_who_manages_both_moves_a_home_directly(branch, other, lead, committee,
                                                            admin):
    user, old = _member(branch, HOME)
    functional = members.add_member(other, user, FUNCTIONAL)
    db.session.commit()
    with pytest.raises(NotAllowed):
        members.move_home(user, other, lead)  # leads the old branch only
    with pytest.raises(NotAllowed):
        members.move_home(user, other, make_lead(other))  # the new one only
    moved = members.move_home(user, other, make_lead(committee))
    db.session.commit()
    db.session.refresh(old)
    db.session.refresh(functional)
    # The functional membership there gives way to the new home.
    assert functional.status == old.status == MembershipStatus.ENDED
    assert (moved.membership, moved.status, moved.branch_id) == (
        HOME, MembershipStatus.ACTIVE, other.id)
    assert (_count(branch), _count(other)) == (1, 2)  # each with its lead
    members.move_home(user, branch, admin)
    assert members.home_membership(user).branch_id == branch.id


# -- the tree: create, rename, move ------------------------------------------------------

def test_create_branch_rules(committee, branch):
    with pytest.raises(InvalidInput) as caught:
        members.create_branch("下级", BranchKind.PARTY_BRANCH, parent=branch)
    assert caught.value.field == "parent_id"
    with pytest.raises(InvalidInput):
        members.create_branch("   ", BranchKind.PARTY_BRANCH)
    made = members.create_branch("湖墅党支部", BranchKind.PARTY_BRANCH, parent=committee,
                                 code="HZ-9")
    assert made.path == f"/{committee.id}/{made.id}/"
    with pytest.raises(members.CodeTaken):
        members.create_branch("又一个", BranchKind.PARTY_BRANCH, code="HZ-9")


def test_rename_is_for_admins(branch, lead, admin):
    with pytest.raises(NotAllowed):
        tree.rename_branch(branch, "新名字", lead)
    with pytest.raises(InvalidInput):
        tree.rename_branch(branch, "x" * 121, admin)
    tree.rename_branch(branch, "  米市巷街道第一党支部 ", admin)
    db.session.commit()
    assert branch.name == "米市巷街道第一党支部"
    assert _actions("branch.rename")[0].details == {"name": "米市巷街道第一党支部",
                                                     "was": "米市巷第一党支部"}


def test_move_updates_the_paths_of_the_whole_subtree(committee, admin):
    district = make_branch("拱墅区委", kind=BranchKind.COMMITTEE)
    sub = make_branch("联合党委下的党委", kind=BranchKind.COMMITTEE, parent=committee)
    leaf = make_branch("第三党支部", parent=sub)
    outside = make_branch("不动的支部")
    tree.move_branch(committee, district, admin)
    db.session.commit()
    assert committee.parent_id == district.id and committee.parent.id == district.id
    assert [b.path for b in (committee, sub, leaf)] == [
        f"/{district.id}/{committee.id}/", f"/{district.id}/{committee.id}/{sub.id}/",
        f"/{district.id}/{committee.id}/{sub.id}/{leaf.id}/"]
    assert outside.path == f"/{outside.id}/"
    # A lead of the new top committee now manages the leaf; back to the top, no more.
    district_lead = make_lead(district)
    assert members.can_appoint_leads(district_lead, leaf)
    tree.move_branch(sub, None, admin)
    db.session.commit()
    assert (sub.path, leaf.path) == (f"/{sub.id}/", f"/{sub.id}/{leaf.id}/")
    assert not members.can_appoint_leads(district_lead, leaf)
    assert _actions("branch.move")[0].details == {"parent_id": district.id, "was": None}


def test_move_refuses_cycles_and_wrong_parents(committee, branch, admin, lead):
    sub = make_branch("下级党委", kind=BranchKind.COMMITTEE, parent=committee)
    for parent in (committee, sub, branch):
        with pytest.raises(InvalidInput) as caught:
            tree.move_branch(committee, parent, admin)
        assert caught.value.field == "parent_id"
    retired = make_branch("撤销的党委", kind=BranchKind.COMMITTEE)
    tree.retire_branch(retired, admin)
    with pytest.raises(InvalidInput):
        tree.move_branch(branch, retired, admin)
    with pytest.raises(NotAllowed):
        tree.move_branch(branch, None, lead)
    db.session.commit()
    assert (committee.path, sub.path) == (f"/{committee.id}/", f"/{committee.id}/{sub.id}/")


# -- the tree: retire ---------------------------------------------------------------------

def test_retire_with_a_successor_moves_the_members(committee, branch, other, lead, admin):
    home_user, home_m = _member(branch, HOME)
    functional_user, _ = _member(branch, FUNCTIONAL)
    # Already in the successor: a functional member there is skipped, a home moves home.
    both, _ = _member(branch, FUNCTIONAL)
    members.add_member(other, both, FUNCTIONAL)
    home_there, _ = _member(branch, HOME)
    there_m = members.add_member(other, home_there, FUNCTIONAL)
    asker = make_user()
    pending = join_requests.request_to_join(branch, asker, FUNCTIONAL)
    db.session.commit()
    assert (_count(branch), _count(other)) == (5, 2)

    tree.retire_branch(branch, admin, successor=other)
    db.session.commit()
    assert branch.retired_at is not None and branch.successor_id == other.id
    db.session.refresh(pending)
    assert pending.status == MembershipStatus.REFUSED
    assert _count(branch) == 0
    live = {m.user_id: m for m in db.session.scalars(sa.select(Membership).where(
        Membership.branch_id == other.id, Membership.status == MembershipStatus.ACTIVE))}
    assert set(live) == {home_user.id, functional_user.id, both.id, home_there.id, lead.id}
    assert live[home_user.id].membership == HOME
    assert live[lead.id].role == MembershipRole.MEMBER  # leads are appointed there anew
    assert live[home_there.id].membership == HOME
    db.session.refresh(there_m)
    assert there_m.status == MembershipStatus.ENDED
    assert _count(other) == 5
    db.session.refresh(home_m)
    assert home_m.status == MembershipStatus.ENDED  # kept as history
    assert _notes(home_user, "branch.retired")[0].params["successor_name"] == "湖墅社区党支部"
    assert _actions("branch.retire")[0].details == {"successor_id": other.id, "moved": 4}


def test_retire_without_a_successor_keeps_homes(branch, lead, admin):
    home_user, home_m = _member(branch, HOME)
    _, functional_m = _member(branch, FUNCTIONAL)
    tree.retire_branch(branch, admin)
    db.session.commit()
    db.session.refresh(home_m)
    db.session.refresh(functional_m)
    assert home_m.status == MembershipStatus.ACTIVE
    assert functional_m.status == MembershipStatus.ENDED
    assert members.home_membership(lead).role == MembershipRole.MEMBER
    assert _count(branch) == 2
    with pytest.raises(Conflict):
        tree.retire_branch(branch, admin)
    # They move home from there when they like.
    new_home = make_branch("新支部")
    join_requests.accept(join_requests.request_move_home(new_home, home_user), admin)
    assert members.home_membership(home_user).branch_id == new_home.id


def test_what_blocks_retiring(committee, branch, other, lead, admin):
    with pytest.raises(Conflict):
        tree.retire_branch(committee, admin)  # branches in use under it
    volunteer, _ = _member(branch, HOME)
    start = utcnow() - timedelta(days=2)
    hours.record_hours(volunteer, hours.HourData(
        branch_id=branch.id, started_at=start, ended_at=start + timedelta(hours=1),
        description="上门打扫", place="米市巷社区"))
    with pytest.raises(Conflict):
        tree.retire_branch(branch, admin)  # hours await review
    team = make_branch("青年志愿服务队", kind=BranchKind.VOLUNTEER_TEAM)
    for successor in (branch, team):
        with pytest.raises(InvalidInput) as caught:
            tree.retire_branch(other, admin, successor=successor if successor is team
                               else other)
        assert caught.value.field == "successor_id"
    retired = make_branch("已撤销")
    tree.retire_branch(retired, admin)
    with pytest.raises(InvalidInput):
        tree.retire_branch(other, admin, successor=retired)
    with pytest.raises(NotAllowed):
        tree.retire_branch(other, lead)
    db.session.commit()
    assert other.retired_at is None


# -- alliances ----------------------------------------------------------------------------

def test_alliances(branch, other, committee, admin, lead):
    with pytest.raises(NotAllowed):
        tree.create_alliance("e起学习", None, lead)
    alliance = tree.create_alliance("  e起学习 ", "三个支部轮值主办", admin)
    db.session.commit()
    assert alliance.name == "e起学习"
    with pytest.raises(tree.NameTaken):
        tree.create_alliance("e起学习", None, admin)
    tree.add_to_alliance(alliance, branch, admin)
    tree.add_to_alliance(alliance, other, admin)
    with pytest.raises(Conflict):
        tree.add_to_alliance(alliance, branch, admin)
    with pytest.raises(InvalidInput):
        tree.add_to_alliance(alliance, committee, admin)
    retired = make_branch("已撤销")
    tree.retire_branch(retired, admin)
    with pytest.raises(InvalidInput):
        tree.add_to_alliance(alliance, retired, admin)
    with pytest.raises(NotAllowed):
        tree.remove_from_alliance(alliance, other, lead)
    tree.remove_from_alliance(alliance, other, admin)
    with pytest.raises(NotFound):
        tree.remove_from_alliance(alliance, other, admin)
    db.session.commit()
    assert [b.id for b in db.session.get(Alliance, alliance.id).branches] == [branch.id]
    assert db.session.scalar(sa.select(alliance_branches.c.joined_at)) is not None

    tree.update_alliance(alliance, admin, "e起学习联盟", "", set_description=True)
    db.session.commit()
    with pytest.raises(InvalidInput):
        tree.update_alliance(alliance, admin, description="字" * 501, set_description=True)
    db.session.rollback()
    alliance = db.session.get(Alliance, alliance.id)
    assert (alliance.name, alliance.description) == ("e起学习联盟", None)
    assert [e.action for e in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.target_type == "alliances")
        .order_by(AuditEntry.id))] == ["alliance.create", "alliance.add_branch",
                                       "alliance.add_branch", "alliance.remove_branch",
                                       "alliance.update"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Branch)) == 4
