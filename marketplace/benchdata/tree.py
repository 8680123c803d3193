"""The committee tree: a provincial committee, city committees, district
committees and street committees (党工委), with party branches and
volunteer teams (the leaves) under the streets; and where each person is.

People are laid out in blocks by leaf, in id order: a leaf's members (party
members in a party branch, resident volunteers in a team; the first two
lead it), then the plain residents of its community. So a person's branch,
community and role follow from their id with one bisect, and no phase keeps
a list of people.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

from . import names
from .scale import DAYS, Counts, allocate

TEAM_SHARE = 0.1  # of the leaves
TEAM_VOLUNTEER_SHARE = 0.15  # of the residents
COMMUNITIES_PER_STREET = 8
LEADS_PER_LEAF = 2


@dataclass
class BranchRow:
    id: int
    name: str
    kind: str
    parent_id: int | None
    path: str
    community: str | None


@dataclass
class Province:
    counts: Counts
    seed: int
    now: datetime
    start: datetime  # the first day of the three years of activity (UTC midnight)
    branches: list[BranchRow] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)
    # Per leaf (index i): its branch id, team or not, street index, community
    # index, first user id, number of members and of plain residents.
    leaf_branch: array = field(default_factory=lambda: array("i"))
    leaf_team: bytearray = field(default_factory=bytearray)
    leaf_street: array = field(default_factory=lambda: array("i"))
    leaf_community: array = field(default_factory=lambda: array("i"))
    leaf_start: list[int] = field(default_factory=list)
    leaf_members: array = field(default_factory=lambda: array("i"))
    leaf_plain: array = field(default_factory=lambda: array("i"))
    street_leaves: list[tuple[int, int]] = field(default_factory=list)  # [first, last)
    member_cum: list[int] = field(default_factory=list)  # members before leaf i
    alliances: list[tuple[str, str, list[int]]] = field(default_factory=list)

    # -- who is where ---------------------------------------------------------------
    @property
    def leaves(self) -> int:
        return len(self.leaf_branch)

    @property
    def total_members(self) -> int:
        return self.member_cum[-1] + self.leaf_members[-1]

    def leaf_of(self, user_id: int) -> int:
        return bisect_right(self.leaf_start, user_id) - 1

    def is_member(self, user_id: int) -> bool:
        leaf = self.leaf_of(user_id)
        return user_id - self.leaf_start[leaf] < self.leaf_members[leaf]

    def leads(self, leaf: int) -> tuple[int, int]:
        first = self.leaf_start[leaf]
        return first, first + 1

    def member(self, index: int) -> tuple[int, int]:
        """The index-th member of the province (0-based): (user id, leaf)."""
        leaf = bisect_right(self.member_cum, index) - 1
        return self.leaf_start[leaf] + index - self.member_cum[leaf], leaf

    def community_of_leaf(self, leaf: int) -> str:
        return self.communities[self.leaf_community[leaf]]

    def created_at(self, user_id: int) -> datetime:
        """Accounts were made during the year before the activity starts."""
        seconds = names._mix(self.seed * 977 + user_id) % (365 * 86400)
        return self.start - timedelta(seconds=seconds)


def build(counts: Counts, seed: int, now: datetime) -> Province:
    rng = random.Random(f"{seed}:tree")
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    province = Province(counts, seed, now, start=day - timedelta(days=DAYS))
    _committees_and_leaves(province, rng)
    _people(province, rng)
    _alliances(province, rng)
    return province


def _committees_and_leaves(p: Province, rng: random.Random) -> None:
    total = p.counts.branches
    streets = max(1, total // 80)
    districts = max(1, streets // 15)
    cities = min(len(names.CITIES), max(1, districts // 6))
    leaves = total - 1 - cities - districts - streets
    if leaves < 2:
        raise ValueError("too few branches for a tree")

    def add(name, kind, parent, community=None) -> BranchRow:
        branch_id = len(p.branches) + 1
        path = (parent.path if parent else "/") + f"{branch_id}/"
        row = BranchRow(branch_id, name, kind, parent.id if parent else None, path, community)
        p.branches.append(row)
        return row

    root = add(f"中共{names.PROVINCE}省党员志愿服务工作委员会", "committee", None)
    city_rows = [add(f"中共{names.CITIES[i]}市委党员志愿服务工作委员会", "committee", root)
                 for i in range(cities)]
    district_rows = [add(f"中共{names.place_name(rng)}区委", "committee",
                         city_rows[i % cities]) for i in range(districts)]
    street_rows = []
    for i in range(streets):
        street_rows.append(add(f"{names.place_name(rng)}街道党工委", "committee",
                               district_rows[rng.randrange(districts) if i >= districts else i]))
    per_street = allocate(leaves, [rng.uniform(0.5, 1.5) for _ in range(streets)], minimum=1)
    for s, (street, count) in enumerate(zip(street_rows, per_street, strict=True)):
        first_community = len(p.communities)
        street_place = street.name[:-len("街道党工委")]
        for k in range(min(COMMUNITIES_PER_STREET, max(1, count))):
            p.communities.append(f"{street_place}{names.COMMUNITY_WORDS[k * 3 % 26]}社区")
        community_count = len(p.communities) - first_community
        first_leaf = len(p.leaf_branch)
        for _ in range(count):
            community = first_community + rng.randrange(community_count)
            team = rng.random() < TEAM_SHARE
            text = p.communities[community]
            if team:
                name = f"{text}{rng.choice(names.TEAM_WORDS)}志愿服务队"
            else:
                name = f"{text}{rng.choice(names.UNITS)}第{rng.randint(1, 9)}党支部"
            row = add(name, "volunteer_team" if team else "party_branch", street, text)
            p.leaf_branch.append(row.id)
            p.leaf_team.append(1 if team else 0)
            p.leaf_street.append(s)
            p.leaf_community.append(community)
        p.street_leaves.append((first_leaf, len(p.leaf_branch)))
    # At least one party branch, and a team when there are a few leaves.
    p.leaf_team[0] = 0
    if p.leaves >= 4 and not any(p.leaf_team):
        _make_team(p, p.leaves - 1)


def _make_team(p: Province, leaf: int) -> None:
    p.leaf_team[leaf] = 1
    row = p.branches[p.leaf_branch[leaf] - 1]
    row.kind = "volunteer_team"
    row.name = f"{row.community}志愿服务队"


def _people(p: Province, rng: random.Random) -> None:
    counts = p.counts
    teams = [i for i in range(p.leaves) if p.leaf_team[i]]
    parties = [i for i in range(p.leaves) if not p.leaf_team[i]]
    team_volunteers = 0
    if teams:
        team_volunteers = max(3 * len(teams), round(counts.residents * TEAM_VOLUNTEER_SHARE))
        team_volunteers = min(team_volunteers, counts.residents)
    members = [0] * p.leaves
    sizes = allocate(counts.party_members, [rng.lognormvariate(0, 0.7) for _ in parties], 3)
    for leaf, size in zip(parties, sizes, strict=True):
        members[leaf] = size
    sizes = allocate(team_volunteers, [rng.lognormvariate(0, 0.5) for _ in teams], 3)
    for leaf, size in zip(teams, sizes, strict=True):
        members[leaf] = size
    plain = allocate(counts.residents - team_volunteers,
                     [rng.uniform(0.2, 1.8) for _ in range(p.leaves)])
    p.leaf_members = array("i", members)
    p.leaf_plain = array("i", plain)
    blocks = [m + r for m, r in zip(members, plain, strict=True)]
    p.leaf_start = [1 + before for before in accumulate([0] + blocks[:-1])]
    p.member_cum = list(accumulate([0] + members[:-1]))


def _alliances(p: Province, rng: random.Random) -> None:
    count = min(len(names.ALLIANCES), max(2, round(8 * p.counts.branches / 81_000)))
    size = min(p.leaves, max(3, round(200 * p.counts.branches / 81_000)))
    for name, description in names.ALLIANCES[:count]:
        chosen = sorted(rng.sample(range(p.leaves), size))
        p.alliances.append((name, description, [p.leaf_branch[i] for i in chosen]))
