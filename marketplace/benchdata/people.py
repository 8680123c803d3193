"""Rows of people: branches, accounts, memberships and alliances.

Every generator yields tuples in the order of its COLUMNS; datetimes are
aware UTC (the loader writes them as each engine stores them).
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from datetime import timedelta

from . import names
from .tree import Province

BRANCH_COLUMNS = ("id", "name", "kind", "parent_id", "path", "code", "community",
                  "member_count", "created_at")
USER_COLUMNS = ("id", "username", "display_name", "phone", "community", "password_hash",
                "is_admin", "is_volunteer", "is_party_member", "is_active", "session_version",
                "created_at", "last_login_at")
MEMBERSHIP_COLUMNS = ("id", "user_id", "branch_id", "membership", "role", "status", "message",
                      "created_at", "started_at", "ended_at")
ALLIANCE_COLUMNS = ("id", "name", "description", "created_at")
ALLIANCE_BRANCH_COLUMNS = ("alliance_id", "branch_id", "joined_at")

FUNCTIONAL_SHARE = 0.08  # of the members: a second, functional (兼合式) branch
ENDED_SHARE = 0.01  # an earlier functional membership, ended
PENDING_SHARE = 0.004  # asked to join another branch; no lead has answered yet
REFUSED_SHARE = 0.002
JOIN_MESSAGES = ("希望参加本支部的志愿服务", "我住在这个社区，想一起服务居民",
                 "单位在附近，申请兼合式管理")


def username(user_id: int) -> str:
    return f"u{user_id:07d}"


def branch_rows(p: Province) -> Iterator[tuple]:
    created = p.start - timedelta(days=400)
    for row in p.branches:
        yield (row.id, row.name, row.kind, row.parent_id, row.path, f"BJ{row.id:06d}",
               row.community, 0, created)


def user_rows(p: Province, password_hash: str) -> Iterator[tuple]:
    seed = p.seed
    window = int((p.now - p.start).total_seconds())
    for leaf in range(p.leaves):
        community = p.community_of_leaf(leaf)
        first = p.leaf_start[leaf]
        members = p.leaf_members[leaf]
        party = not p.leaf_team[leaf]
        for user_id in range(first, first + members + p.leaf_plain[leaf]):
            member = user_id - first < members
            h = names._mix(seed * 131 + user_id)
            last_login = None
            if h % 10 < 6:
                last_login = p.now - timedelta(seconds=(h >> 8) % min(window, 90 * 86400))
            yield (user_id, username(user_id), names.person_name(seed, user_id),
                   names.phone_number(seed, user_id), community, password_hash, False, member,
                   member and party, True, 1, p.created_at(user_id), last_login)


def membership_rows(p: Province, functional: array) -> Iterator[tuple]:
    """Each member's home membership (the first two of a leaf lead it), a
    functional one for some, and a little history (ended, pending, refused).
    `functional[user_id]` is set to the functional leaf + 1."""
    rng = random.Random(f"{p.seed}:memberships")
    next_id = 1
    for leaf in range(p.leaves):
        branch = p.leaf_branch[leaf]
        first_leaf, last_leaf = p.street_leaves[p.leaf_street[leaf]]
        neighbours = last_leaf - first_leaf - 1
        first = p.leaf_start[leaf]
        for user_id in range(first, first + p.leaf_members[leaf]):
            joined = p.created_at(user_id)
            role = "lead" if user_id - first < 2 else "member"
            yield (next_id, user_id, branch, "home", role, "active", None, joined, joined, None)
            next_id += 1
            if not neighbours:
                continue
            roll = rng.random()
            other = first_leaf + rng.randrange(neighbours)
            other += other >= leaf  # another leaf of the same street
            since = joined + timedelta(days=rng.randint(1, 300))
            if roll < FUNCTIONAL_SHARE:
                functional[user_id] = other + 1
                yield (next_id, user_id, p.leaf_branch[other], "functional", "member", "active",
                       None, since, since, None)
            elif roll < FUNCTIONAL_SHARE + ENDED_SHARE:
                ended = since + timedelta(days=rng.randint(30, 300))
                yield (next_id, user_id, p.leaf_branch[other], "functional", "member", "ended",
                       None, since, since, ended)
            elif roll < FUNCTIONAL_SHARE + ENDED_SHARE + PENDING_SHARE:
                asked = p.now - timedelta(hours=rng.randint(1, 24 * 20))
                yield (next_id, user_id, p.leaf_branch[other], "functional", "member", "pending",
                       rng.choice(JOIN_MESSAGES), asked, None, None)
            elif roll < FUNCTIONAL_SHARE + ENDED_SHARE + PENDING_SHARE + REFUSED_SHARE:
                yield (next_id, user_id, p.leaf_branch[other], "functional", "member", "refused",
                       rng.choice(JOIN_MESSAGES), since, None, since + timedelta(days=2))
            else:
                continue
            next_id += 1


def alliance_rows(p: Province) -> Iterator[tuple]:
    for number, (name, description, _branches) in enumerate(p.alliances, start=1):
        yield (number, name, description, p.start - timedelta(days=30 * number))


def alliance_branch_rows(p: Province) -> Iterator[tuple]:
    for number, (_name, _description, branches) in enumerate(p.alliances, start=1):
        for branch_id in branches:
            yield (number, branch_id, p.start - timedelta(days=30 * number - 1))
