"""The CSV export of a branch's hour records for a range of local days.

The rule for the range lives here (used by the page, and by any later API
or CLI). The rows are one query read in batches (yield_per: a server-side
cursor on PostgreSQL), on a connection of the stream's own, and written
through roster/csvformat.py's `csv_chunks`, which adds the BOM and escapes
every cell, so memory stays flat whatever the range. The branch's records are found by the branch_id
prefix of its indexes and then filtered by start time: an export is an
occasional download, not a page view.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..enrollments.models import Enrollment
from ..exceptions import InvalidInput
from ..extensions import db
from ..help.models import HelpRequest
from ..hours.models import HourRecord, HourStatus
from ..listings.models import Service
from ..localtime import local_day_start, local_zone
from ..rankings.periods import today
from ..roster.csvformat import csv_chunks

MAX_YEARS = 5
BATCH = 500

STATUS = {
    HourStatus.SUBMITTED: _l("Awaiting review"),
    HourStatus.APPROVED: _l("Approved"),
    HourStatus.REJECTED: _l("Not approved"),
}


def check_range(start: date | None, end: date | None, on: date | None = None
                ) -> tuple[date, date]:
    """The first and last local day of an export, both included: given, in
    order, not in the future, at most MAX_YEARS long."""
    if start is None:
        raise InvalidInput(_l("Choose the first day."), field="start")
    if end is None:
        raise InvalidInput(_l("Choose the last day."), field="end")
    if end < start:
        raise InvalidInput(_l("The last day cannot be before the first day."), field="end")
    if end > (on or today()):
        raise InvalidInput(_l("The range cannot reach into the future."), field="end")
    if end >= _years_after(start, MAX_YEARS):
        raise InvalidInput(_l("At most %(years)d years at a time.", years=MAX_YEARS),
                           field="end")
    return start, end


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Words:
    """The file's words in the reader's language, taken while the request is
    there: the rows are written after the view has returned."""

    header: list[str]
    statuses: dict[str, str]
    yes: str
    no: str
    service: str  # "Service: %(title)s", formatted per row
    help_request: str

    @classmethod
    def now(cls) -> Words:
        return cls(
            header=[gettext("Record no."), gettext("Volunteer"), gettext("Date"),
                    gettext("Start"), gettext("End"), gettext("Hours"), gettext("Status"),
                    gettext("What was done"), gettext("Place"), gettext("What it served"),
                    gettext("Confirmed by the resident"), gettext("Reviewer"),
                    gettext("Reviewed at"), gettext("Corrects record no.")],
            statuses={str(status): str(text) for status, text in STATUS.items()},
            yes=gettext("Yes"), no=gettext("No"),
            service=gettext("Service: %(title)s"), help_request=gettext("Help request: %(title)s"))


def csv_text(branch_id: int, start: date, end: date) -> Iterator[str]:
    """The whole file in chunks: BOM, header, one line per record. Everything
    the rows need is taken now; they are read on a connection of their own,
    so the stream needs no request or app context and closes its cursor when
    it ends or is dropped (a client hanging up)."""
    words, zone, engine = Words.now(), local_zone(), db.engine
    return csv_chunks(words.header, _rows(engine, _statement(branch_id, start, end), words, zone),
                      rows_per_chunk=BATCH)


def _statement(branch_id: int, start: date, end: date):
    volunteer, reviewer = aliased(User), aliased(User)
    return (
        sa.select(HourRecord.id, volunteer.display_name, HourRecord.started_at,
                  HourRecord.ended_at, HourRecord.minutes, HourRecord.status,
                  HourRecord.description, HourRecord.place, Service.title, HelpRequest.title,
                  HourRecord.resident_confirmed_at, reviewer.display_name,
                  HourRecord.reviewed_at, HourRecord.corrects_id)
        .join(volunteer, volunteer.id == HourRecord.volunteer_id)
        .outerjoin(reviewer, reviewer.id == HourRecord.reviewed_by_id)
        .outerjoin(Enrollment, Enrollment.id == HourRecord.enrollment_id)
        .outerjoin(Service, Service.id == Enrollment.service_id)
        .outerjoin(HelpRequest, HelpRequest.id == HourRecord.help_request_id)
        .where(HourRecord.branch_id == branch_id,
               HourRecord.started_at >= local_day_start(start),
               HourRecord.started_at < local_day_start(end + timedelta(days=1)))
        .order_by(HourRecord.started_at, HourRecord.id))


def _rows(engine: sa.Engine, stmt, words: Words, zone: ZoneInfo) -> Iterator[list]:
    # yield_per: BATCH rows at a time (a server-side cursor on PostgreSQL).
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=BATCH).execute(stmt)
        for (record_id, name, started, ended, minutes, status, description, place, service,
             request, confirmed, reviewer, reviewed, corrects) in result:
            started, ended = started.astimezone(zone), ended.astimezone(zone)
            same_day = ended.date() == started.date()
            yield [record_id, name, started.date().isoformat(), started.strftime("%H:%M"),
                   ended.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M"),
                   f"{minutes / 60:.1f}", words.statuses.get(str(status), status),
                   description, place, _served(words, service, request),
                   words.yes if confirmed else words.no, reviewer or "",
                   reviewed.astimezone(zone).strftime("%Y-%m-%d %H:%M") if reviewed else "",
                   corrects or ""]


def _served(words: Words, service_title: str | None, request_title: str | None) -> str:
    if service_title:
        return words.service % {"title": service_title}
    if request_title:
        return words.help_request % {"title": request_title}
    return ""


_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def content_disposition(branch_id: int, branch_name: str, start: date, end: date) -> str:
    """An attachment named for the branch and the range: a plain ASCII name
    for old clients and an RFC 5987 filename* keeping the Chinese name."""
    plain = f"branch-{branch_id}-hours-{start.isoformat()}-{end.isoformat()}.csv"
    name = _UNSAFE_IN_NAME.sub("_", branch_name).strip() or str(branch_id)
    full = gettext("%(branch)s-%(id)d-hours-%(start)s-%(end)s.csv", branch=name, id=branch_id,
                   start=start.isoformat(), end=end.isoformat())
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(full, safe='')}"
