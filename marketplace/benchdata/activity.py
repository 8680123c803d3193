"""Rows of activity: services, enrollments, help requests and offers, hour
records and their points, following the domain's rules:

- a service's counters are what its enrollments say: taken = pending +
  confirmed ≤ capacity, a waitlist only when every place is taken (its
  positions are the waitlisted rows in id order, so 1..n without a gap),
  joined_total = every enrollment, completed_count = the completed ones;
- a help request that is matched or completed has its volunteer, whose
  offer is the accepted one; offer_count counts the open offers;
- an hour record is in a branch of its volunteer (home or functional),
  at most one a day per volunteer (no overlap, never over 24 hours), in
  half hours; reviewed by a lead of that branch who is not the volunteer;
  rejected records have a reason; a record that served a completed
  enrollment or help request is by that service's or request's volunteer;
- each approved record has one ledger entry with points_for's points.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

from ..hours.points import points_for
from . import names
from .scale import DAYS, allocate
from .tree import Province

SERVICE_COLUMNS = ("id", "volunteer_id", "category_id", "title", "description", "community",
                   "mode", "place", "starts_at", "ends_at", "capacity", "auto_confirm", "status",
                   "taken", "waitlisted", "joined_total", "completed_count", "rating_count",
                   "rating_sum", "hidden_at", "hidden_reason", "created_at", "updated_at",
                   "published_at")
ENROLLMENT_COLUMNS = ("id", "service_id", "resident_id", "status", "contact", "note",
                      "created_at", "updated_at", "confirmed_at", "ended_at",
                      "resident_confirmed_at", "visit_code", "visit_code_used_at")
HELP_COLUMNS = ("id", "requester_id", "category_id", "title", "details", "community", "contact",
                "urgency", "preferred_time", "status", "volunteer_id", "offer_count",
                "hidden_at", "hidden_reason", "created_at", "updated_at", "matched_at",
                "ended_at", "resident_confirmed_at", "visit_code", "visit_code_used_at")
OFFER_COLUMNS = ("id", "help_request_id", "volunteer_id", "message", "status", "created_at",
                 "updated_at")
HOUR_COLUMNS = ("id", "volunteer_id", "branch_id", "started_at", "ended_at", "minutes",
                "description", "place", "enrollment_id", "help_request_id", "served_person",
                "activity_lead", "recorded_by_id", "resident_confirmed_at", "status",
                "reviewed_by_id", "reviewed_at", "reject_reason", "corrects_id", "created_at")
POINT_COLUMNS = ("id", "user_id", "branch_id", "hour_record_id", "reason", "minutes", "points",
                 "created_by_id", "created_at")

# Service status codes in the plan arrays.
PUBLISHED, PAUSED, CLOSED, DRAFT = 0, 1, 2, 3
STATUS_NAMES = ("published", "paused", "closed", "draft")
# Enrollment statuses, in the order a service's rows are written: the ended
# ones (older), then those holding a place, then the waitlist.
E_STATUSES = ("completed", "no_show", "cancelled", "declined", "confirmed", "pending",
              "waitlisted")
MINUTES = (30, 60, 90, 120, 150, 180, 240, 300, 480)
MINUTE_CUM = tuple(accumulate((8, 30, 14, 22, 6, 9, 6, 3, 2)))
LENGTHS = {minutes: timedelta(minutes=minutes) for minutes in MINUTES}
SERVED_RECORD_SHARE = 0.7  # of completed enrollments and help requests
CONFIRMED_SHARE = 0.4  # of completed: the resident confirmed (visit code or rating)


def _seconds(moment: datetime, start: datetime) -> int:
    return int((moment - start).total_seconds())


@dataclass
class Activity:
    """What later phases need of earlier ones, in flat arrays."""

    category_ids: dict[str, int]
    # Per service (index = id - 1).
    svc_volunteer: array = field(default_factory=lambda: array("i"))
    svc_leaf: array = field(default_factory=lambda: array("i"))
    svc_published: array = field(default_factory=lambda: array("q"))  # seconds after start
    svc_future: bytearray = field(default_factory=bytearray)  # an event still to come
    svc_counts: list[array] = field(default_factory=list)  # per E_STATUSES
    # Per day: records that served something, two ints each:
    # (subject id << 2 | is_help << 1 | confirmed), (volunteer << 32 | resident).
    served: list[array] = field(default_factory=lambda: [array("q") for _ in range(DAYS)])

    def add_served(self, p: Province, moment: datetime, subject: int, is_help: bool,
                   confirmed: bool, volunteer: int, resident: int) -> None:
        day = (moment - p.start).days
        if 0 <= day < DAYS:
            self.served[day].extend(((subject << 2) | (is_help << 1) | confirmed,
                                     (volunteer << 32) | resident))


def _category_picker(rng: random.Random, category_ids: dict[str, int]):
    slugs = [slug for slug in names.CATEGORY_WEIGHTS if slug in category_ids]
    weights = [names.CATEGORY_WEIGHTS[slug] for slug in slugs]
    return lambda: rng.choices(slugs, weights)[0]


def _volunteer(p: Province, rng: random.Random) -> tuple[int, int]:
    """A member, the leads and early members of a branch more often."""
    _, leaf = p.member(int(p.total_members * rng.random()))
    return p.leaf_start[leaf] + int(p.leaf_members[leaf] * rng.random() ** 2), leaf


# -- services and enrollments --------------------------------------------------------

def service_rows(p: Province, act: Activity) -> Iterator[tuple]:
    rng = random.Random(f"{p.seed}:services")
    count = p.counts.services
    pick_category = _category_picker(rng, act.category_ids)
    statuses = rng.choices(range(4), (75, 5, 15, 5), k=count)
    cap = min(2000.0, max(3.0, 0.2 * count))
    weights = [0.0 if status == DRAFT else min(cap, rng.paretovariate(1.3))
               for status in statuses]
    joined = allocate(p.counts.enrollments, weights)
    act.svc_counts = [array("i", bytes(4 * count)) for _ in E_STATUSES]
    window = _seconds(p.now, p.start) - 86400
    for index in range(count):
        service_id = index + 1
        status = statuses[index]
        volunteer, leaf = _volunteer(p, rng)
        slug = pick_category()
        title = rng.choice(names.SERVICE_TITLES[slug])
        description = "".join(rng.sample(names.SERVICE_SENTENCES, 3))
        mode = rng.choices(("home", "place", "online"), (45, 45, 10))[0]
        community = p.community_of_leaf(leaf)
        place = f"{community}党群服务中心" if mode == "place" else None
        created = p.start + timedelta(seconds=rng.randrange(window))
        published = None if status == DRAFT else created + timedelta(
            seconds=rng.randrange(3 * 3600))
        event = rng.random() < 0.4
        starts = ends = None
        future = False
        if event and status == CLOSED:
            starts = created + timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 10))
            starts = min(starts, p.now - timedelta(hours=3))
        elif event:
            starts = p.now + timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 10))
            future = True
        if starts is not None:
            ends = starts + timedelta(minutes=30 * rng.randint(2, 8))
        big = joined[index] > 200
        capacity = (rng.choice((200, 500, 1000)) if big
                    else rng.choice((1, 2, 3, 5, 5, 8, 10, 10, 15, 20, 30, 50)))
        auto = rng.random() < 0.3
        counts = _enrollment_mix(rng, joined[index], capacity, status, future, auto)
        for column, value in zip(act.svc_counts, counts, strict=True):
            column[index] = value
        act.svc_volunteer.append(volunteer)
        act.svc_leaf.append(leaf)
        act.svc_published.append(_seconds(published or created, p.start))
        act.svc_future.append(future)
        hidden_at = hidden_reason = None
        if status == PUBLISHED and rng.random() < 0.002:
            hidden_at, hidden_reason = published + timedelta(days=1), "内容不符合平台规范"
        taken = counts[4] + counts[5]
        yield (service_id, volunteer, act.category_ids[slug], title, description, community,
               mode, place, starts, ends, capacity, auto, STATUS_NAMES[status], taken,
               counts[6], joined[index], counts[0], 0, 0, hidden_at, hidden_reason, created,
               hidden_at or published or created, published)


def _enrollment_mix(rng, joined: int, capacity: int, status: int, future: bool,
                    auto: bool) -> list[int]:
    """How many enrollments of a service end in each of E_STATUSES."""
    counts = [0] * len(E_STATUSES)
    if not joined:
        return counts
    ended_share = 1.0 if status == CLOSED else 0.1 if future else 0.6
    ended = sum(rng.random() < ended_share for _ in range(joined))
    live = joined - ended
    for _ in range(ended):
        roll = rng.random()
        if future:
            counts[2 if roll < 0.8 else 3] += 1
        else:
            counts[0 if roll < 0.6 else 1 if roll < 0.65 else 2 if roll < 0.9 else 3] += 1
    held = min(live, capacity)
    confirmed = held if auto else sum(rng.random() < 0.6 for _ in range(held))
    counts[4], counts[5], counts[6] = confirmed, held - confirmed, live - held
    return counts


def enrollment_rows(p: Province, act: Activity) -> Iterator[tuple]:
    rng = random.Random(f"{p.seed}:enrollments")
    rand = rng.random
    users = p.counts.users
    next_id = 1
    now_s = _seconds(p.now, p.start)
    for index in range(len(act.svc_volunteer)):
        mix = [column[index] for column in act.svc_counts]
        joined = sum(mix)
        if not joined:
            continue
        service_id, volunteer, leaf = index + 1, act.svc_volunteer[index], act.svc_leaf[index]
        block_first = p.leaf_start[leaf]
        block_size = p.leaf_members[leaf] + p.leaf_plain[leaf]
        chosen: set[int] = set()
        residents = []
        while len(residents) < joined:
            if rng.random() < 0.7 and len(chosen) < block_size // 2:
                resident = block_first + int(rand() * block_size)
            else:
                resident = 1 + int(rand() * users)
            if resident != volunteer and resident not in chosen:
                chosen.add(resident)
                residents.append(resident)
        published = act.svc_published[index]
        span = max(60, now_s - published - 60)
        times = sorted(published + int(rand() * span) for _ in range(joined))
        statuses = [s for s, n in zip(E_STATUSES, mix, strict=True) for _ in range(n)]
        ended = sum(mix[:4])
        head = statuses[:ended]
        rng.shuffle(head)
        statuses[:ended] = head
        for status, resident, moment in zip(statuses, residents, times, strict=True):
            created = p.start + timedelta(seconds=moment)
            left = now_s - moment
            confirmed_at = ended_at = confirmed_by_resident = code = None
            if status in ("completed", "no_show", "confirmed"):
                confirmed_at = created + timedelta(seconds=int(rand() * min(86400, left // 4)))
                code = f"{int(rand() * 1_000_000):06d}"
            if status in ("completed", "no_show"):
                ended_at = confirmed_at + timedelta(seconds=int(rand() * (left // 2)))
            elif status in ("cancelled", "declined"):
                ended_at = created + timedelta(seconds=int(rand() * (left // 2)))
            if status == "completed" and rng.random() < CONFIRMED_SHARE:
                confirmed_by_resident = min(ended_at + timedelta(hours=1), p.now)
            if status == "completed" and rng.random() < SERVED_RECORD_SHARE:
                act.add_served(p, ended_at, next_id, False, confirmed_by_resident is not None,
                               volunteer, resident)
            updated = confirmed_by_resident or ended_at or confirmed_at or created
            yield (next_id, service_id, resident, status,
                   names.phone_number(p.seed, resident), rng.choice(names.CONTACT_NOTES),
                   created, updated, confirmed_at, ended_at, confirmed_by_resident, code,
                   confirmed_by_resident)
            next_id += 1


# -- help requests and offers ---------------------------------------------------------

@dataclass
class HelpPlan:
    status: str
    created: datetime
    volunteers: list[int]  # who offered, in order
    accepted: int | None  # index into volunteers


def _help_plan(p: Province, request_id: int, requester: int, leaf: int) -> HelpPlan:
    rng = random.Random(p.seed * 1_000_003 + request_id)
    status = rng.choices(("open", "matched", "completed", "cancelled"), (20, 10, 60, 10))[0]
    window = _seconds(p.now, p.start)
    recent = status in ("open", "matched")
    ago = rng.randrange(30 * 86400 if recent else window)
    created = p.now - timedelta(seconds=ago + 3600)
    offers = {"open": rng.randint(0, 3), "matched": rng.randint(1, 3),
              "completed": rng.randint(1, 3), "cancelled": rng.randint(0, 2)}[status]
    members = p.leaf_members[leaf]
    volunteers: list[int] = []
    for _ in range(offers * 3):
        if len(volunteers) == offers:
            break
        volunteer = (p.leaf_start[leaf] + rng.randrange(members) if rng.random() < 0.8
                     else _volunteer(p, rng)[0])
        if volunteer != requester and volunteer not in volunteers:
            volunteers.append(volunteer)
    accepted = 0 if status in ("matched", "completed") and volunteers else None
    if accepted is None and status in ("matched", "completed"):
        status = "open"
    return HelpPlan(status, created, volunteers, accepted)


def _requester(p: Province, request_id: int) -> tuple[int, int]:
    """Anyone may ask for help; a pure function of the id, so that the
    offers can be written after the requests without a list of them."""
    user = 1 + names._mix(p.seed * 7919 + request_id) % p.counts.users
    return user, p.leaf_of(user)


def help_rows(p: Province, act: Activity) -> Iterator[tuple]:
    rng = random.Random(f"{p.seed}:help")
    pick_category = _category_picker(rng, act.category_ids)
    for request_id in range(1, p.counts.help_requests + 1):
        requester, leaf = _requester(p, request_id)
        plan = _help_plan(p, request_id, requester, leaf)
        created = plan.created
        volunteer = matched = ended = confirmed = code = None
        if plan.accepted is not None:
            volunteer = plan.volunteers[plan.accepted]
            matched = min(created + timedelta(hours=rng.randint(1, 24)),
                          p.now - timedelta(minutes=2))
            code = f"{rng.randrange(1_000_000):06d}"
        if plan.status == "completed":
            ended = min(matched + timedelta(hours=rng.randint(2, 72)), p.now)
            if rng.random() < CONFIRMED_SHARE:
                confirmed = ended
            if rng.random() < SERVED_RECORD_SHARE:
                act.add_served(p, ended, request_id, True, confirmed is not None, volunteer,
                               requester)
        elif plan.status == "cancelled":
            ended = created + timedelta(hours=rng.randint(1, 100))
        open_offers = len(plan.volunteers) if plan.status == "open" else 0
        updated = ended or matched or created
        yield (request_id, requester, act.category_ids[pick_category()],
               rng.choice(names.HELP_TITLES), "".join(rng.sample(names.HELP_DETAILS, 2)),
               p.community_of_leaf(leaf), names.phone_number(p.seed, requester),
               rng.choices(("low", "normal", "high"), (20, 65, 15))[0],
               rng.choice(names.PREFERRED_TIMES), plan.status, volunteer, open_offers, None, None,
               created, updated, matched, ended, confirmed, code, confirmed)


def offer_rows(p: Province) -> Iterator[tuple]:
    next_id = 1
    for request_id in range(1, p.counts.help_requests + 1):
        requester, leaf = _requester(p, request_id)
        plan = _help_plan(p, request_id, requester, leaf)
        for number, volunteer in enumerate(plan.volunteers):
            if plan.status == "open":
                status = "open"
            elif number == plan.accepted:
                status = "accepted"
            else:
                status = "closed"
            offered = plan.created + timedelta(minutes=10 * (number + 1))
            yield (next_id, request_id, volunteer, names.OFFER_MESSAGES[number % 4], status,
                   offered, offered if status == "open" else offered + timedelta(minutes=5))
            next_id += 1


# -- hour records and points -----------------------------------------------------------

def hour_rows(p: Province, act: Activity, functional: array, utc_offset: timedelta
              ) -> Iterator[tuple]:
    rng = random.Random(f"{p.seed}:hours")
    rand = rng.random
    growth = [(1 + day / DAYS) * (1.4 if (p.start + timedelta(days=day)).weekday() >= 5 else 1)
              for day in range(DAYS)]
    quotas = allocate(p.counts.hour_records, growth)
    next_id = 1
    for day, quota in enumerate(quotas):
        local_midnight = p.start + timedelta(days=day) - utc_offset
        slots = [local_midnight + timedelta(minutes=480 + 30 * k) for k in range(24)]
        age = DAYS - day
        busy: set[int] = set()
        served = act.served[day]
        planned = []
        for k in range(0, len(served), 2):
            if len(planned) >= quota:
                break
            volunteer, resident = served[k + 1] >> 32, served[k + 1] & 0xFFFFFFFF
            if volunteer in busy:
                continue
            busy.add(volunteer)
            planned.append((volunteer, p.leaf_of(volunteer), served[k], resident))
        while len(planned) < quota:
            volunteer, leaf = _volunteer(p, rng)
            if volunteer in busy:
                continue
            busy.add(volunteer)
            if functional[volunteer] and rng.random() < 0.3:
                leaf = functional[volunteer] - 1
            planned.append((volunteer, leaf, 0, 0))
        for volunteer, leaf, subject, resident in planned:
            minutes = MINUTES[bisect_right(MINUTE_CUM, rand() * MINUTE_CUM[-1])]
            started = slots[int(rand() * 24)]
            ended = started + LENGTHS[minutes]
            first_lead, second_lead = p.leads(leaf)
            reviewer = second_lead if volunteer == first_lead else first_lead
            enrollment_id = help_id = served_person = confirmed = None
            if subject:
                if subject & 2:
                    help_id = subject >> 2
                else:
                    enrollment_id = subject >> 2
                served_person = names.person_name(p.seed, resident)
                if subject & 1:
                    confirmed = ended + timedelta(minutes=30)
                description = "上门服务：" + rng.choice(names.HOUR_DESCRIPTIONS)
            else:
                description = rng.choice(names.HOUR_DESCRIPTIONS)
            created = min(ended + timedelta(minutes=10 + int(rand() * 600)), p.now)
            roll = rng.random()
            reviewed = created + timedelta(minutes=60 + int(rand() * 5 * 1440))
            status, reason = "approved", None
            if (age <= 14 and roll < 0.6) or roll < 0.01 or reviewed > p.now:
                status, reviewer, reviewed = "submitted", None, None
            elif roll > 0.94:
                status, reason = "rejected", rng.choice(names.REJECT_REASONS)
            yield (next_id, volunteer, p.leaf_branch[leaf], started, ended, minutes, description,
                   p.community_of_leaf(leaf), enrollment_id, help_id, served_person,
                   names.person_name(p.seed, first_lead), volunteer, confirmed, status, reviewer,
                   reviewed, reason, None, created)
            next_id += 1


def point_rows(approved: list[tuple], first_id: int) -> Iterator[tuple]:
    """The ledger entries of approved records, given as (id, volunteer_id,
    branch_id, minutes, resident confirmed, reviewed_by_id, reviewed_at)."""
    for offset, (record_id, volunteer, branch, minutes, confirmed, reviewer,
                 reviewed) in enumerate(approved):
        yield (first_id + offset, volunteer, branch, record_id, "hours_approved", minutes,
               points_for(minutes, bool(confirmed)), reviewer, reviewed)
