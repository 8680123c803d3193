"""The CSV files of the roster: columns, accepted values, reading and writing.

Reading decodes the file line by line (UTF-8, with or without a BOM), so a
byte that is not UTF-8 is reported on its own line and nothing holds more
than one record. Writing starts with a BOM (Excel then reads Chinese right)
and escapes every cell against formula injection with `escape_cell`, which
any CSV export of the app can reuse; `unescape_cell` undoes it on import, so
an exported file imports unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

BOM = "\ufeff"
BRANCH_COLUMNS = ("code", "name", "kind", "parent_code", "community")
MEMBER_COLUMNS = ("username", "display_name", "phone", "branch_code", "membership", "role")

# Stored value for each accepted spelling (compared after strip + lower).
KINDS = {
    "committee": "committee", "党委": "committee",
    "party_branch": "party_branch", "党支部": "party_branch",
    "volunteer_team": "volunteer_team", "志愿服务队": "volunteer_team",
}
MEMBERSHIPS = {"home": "home", "组织关系": "home",
               "functional": "functional", "兼合式": "functional"}
ROLES = {"member": "member", "成员": "member", "lead": "lead", "负责人": "lead"}

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_STARTS = frozenset((*FORMULA_STARTS, "'"))


def escape_cell(value) -> str:
    """A cell that no spreadsheet runs as a formula: one starting with
    = + - @ tab or CR gets a leading apostrophe (and so does one starting
    with an apostrophe, so that `unescape_cell` gives back exactly the value)."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text and text[0] in _ESCAPED_STARTS:
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """The value `escape_cell` was given (other cells pass unchanged)."""
    if len(text) > 1 and text[0] == "'" and text[1] in (*FORMULA_STARTS, "'"):
        return text[1:]
    return text


def csv_chunks(header: Iterable[str], rows: Iterable[Iterable], rows_per_chunk: int = 500
               ) -> Iterator[str]:
    """The CSV text of `header` and `rows` in chunks (BOM first, CRLF lines,
    every cell escaped): for a streamed response or a file, in flat memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([escape_cell(name) for name in header])
    pending = 0
    for row in rows:
        writer.writerow([escape_cell(value) for value in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue()


@dataclass(frozen=True)
class LineError:
    """What is wrong on one line of the file (line 1 is the header)."""

    line: int
    code: str
    message: str  # a lazy string: rendered in the reader's language

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


class FileUnreadable(Exception):
    """The file cannot be read on from `error.line` on (not UTF-8, no header, …)."""

    def __init__(self, error: LineError):
        super().__init__(str(error))
        self.error = error


def read_rows(binary, columns: tuple[str, ...]
              ) -> Iterator[tuple[int, dict[str, str], LineError | None]]:
    """(line, {column: stripped and unescaped value}, problem) for each record
    of a CSV file opened in binary mode. The header names the columns (any
    order; other columns are ignored). Blank records are skipped. Raises
    FileUnreadable when the file cannot be read on."""
    lines = _text_lines(binary)
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileUnreadable(LineError(1, "bad_csv", _csv_message(exc))) from exc
    if header is None or not any(cell.strip() for cell in header):
        raise FileUnreadable(LineError(1, "no_header", _l(
            "The first line must name the columns: %(columns)s.", columns=",".join(columns))))
    names = [cell.strip().lower() for cell in header]
    for name in columns:
        if names.count(name) > 1:
            raise FileUnreadable(LineError(1, "duplicate_column", _l(
                "The column %(column)s is named twice.", column=name)))
    missing = [name for name in columns if name not in names]
    if missing:
        raise FileUnreadable(LineError(1, "missing_column", _l(
            "Missing column(s): %(missing)s. The first line must name: %(columns)s.",
            missing=",".join(missing), columns=",".join(columns))))
    positions = [(name, names.index(name)) for name in columns]
    width = len(names)
    previous = reader.line_num
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise FileUnreadable(LineError(previous + 1, "bad_csv", _csv_message(exc))) from exc
        if cells is None:
            return
        line, previous = previous + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        problem = None
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            problem = LineError(line, "extra_cells", _l(
                "This line has %(found)d cells; the first line names %(expected)d columns.",
                found=len(cells), expected=width))
        values = {name: unescape_cell(cells[i].strip()) if i < len(cells) else ""
                  for name, i in positions}
        yield line, values, problem


def _text_lines(binary) -> Iterator[str]:
    """The file's lines as text, each decoded on its own (so a decoding error
    names its line); the BOM dropped."""
    for number, raw in enumerate(binary, start=1):
        if number == 1:
            if raw.startswith(b"PK\x03\x04"):
                raise FileUnreadable(LineError(1, "not_csv", _l(
                    "This is a spreadsheet workbook, not CSV: save it as “CSV UTF-8” first.")))
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileUnreadable(LineError(number, "not_utf8", _l(
                "This line is not UTF-8 text: save the file as “CSV UTF-8” and try again."))
            ) from exc


def _csv_message(exc: csv.Error) -> str:
    return _l("This line cannot be read as CSV (%(detail)s).", detail=str(exc))
