"""Words for the audit log: what each action, record type and detail is
called, so an entry reads as a sentence rather than as stored codes.
An action or key not named here is shown as stored."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTIONS = {
    "hour_record.approve": _l("Hours approved"),
    "hour_record.reject": _l("Hours rejected"),
    "hour_record.correct": _l("Hours corrected"),
    "hour_report.create": _l("Error in hours reported"),
    "hour_report.answer": _l("Error report answered with a reason"),
    "hour_report.correct": _l("Error report answered with a correction"),
    "membership.request": _l("Asked to join a branch"),
    "membership.accept": _l("Request to join accepted"),
    "membership.refuse": _l("Request to join refused"),
    "membership.withdraw": _l("Request to join withdrawn"),
    "membership.add": _l("Member added"),
    "membership.remove": _l("Member removed"),
    "membership.leave": _l("Member left the branch"),
    "membership.role": _l("Lead appointed or demoted"),
    "membership.move_home": _l("Home branch moved"),
    "branch.create": _l("Branch created"),
    "branch.rename": _l("Branch renamed"),
    "branch.move": _l("Branch moved"),
    "branch.retire": _l("Branch retired"),
    "alliance.create": _l("Alliance created"),
    "alliance.update": _l("Alliance changed"),
    "alliance.add_branch": _l("Branch joined an alliance"),
    "alliance.remove_branch": _l("Branch left an alliance"),
    "certificate.issue": _l("Certificate issued"),
    "certificate.revoke": _l("Certificate revoked"),
    "service.hide": _l("Service hidden"),
    "service.unhide": _l("Service shown again"),
    "help_request.hide": _l("Help request hidden"),
    "help_request.unhide": _l("Help request shown again"),
    "enrollment.contact_view": _l("Enrollment's contact viewed"),
    "help_request.contact_view": _l("Help request's contact viewed"),
    "user.make_admin": _l("Made an admin"),
    "user.deactivate": _l("Account deactivated"),
    "roster.import_branches": _l("Branches imported from a file"),
    "roster.import_members": _l("Members imported from a file"),
}

TARGET_TYPES = {
    "hour_records": _l("Hour record"),
    "hour_reports": _l("Error report"),
    "memberships": _l("Branch membership"),
    "branches": _l("Branch"),
    "alliances": _l("Alliance"),
    "certificates": _l("Certificate"),
    "services": _l("Service"),
    "help_requests": _l("Help request"),
    "enrollments": _l("Enrollment"),
    "users": _l("Account"),
    "roster": _l("Roster import"),
}

DETAILS = {
    "reason": _l("Reason"),
    "answer": _l("Answer"),
    "name": _l("Name"),
    "was": _l("Before"),
    "branch_id": _l("Branch no."),
    "user_id": _l("Account no."),
    "role": _l("Role"),
    "membership": _l("Membership"),
    "moving_home": _l("Moving the home branch"),
    "moved_from": _l("Moved from branch no."),
    "parent_id": _l("Committee above no."),
    "successor_id": _l("Successor branch no."),
    "moved": _l("Members moved"),
    "hour_record_id": _l("Hour record no."),
    "corrects": _l("Corrects record no."),
    "correction_id": _l("Correction no."),
    "report": _l("Error report no."),
    "number": _l("Certificate number"),
    "minutes": _l("Minutes"),
    "rows": _l("Rows"),
    "seconds": _l("Seconds"),
    "filename": _l("File"),
    "branches": _l("Branches"),
    "members": _l("Members"),
    "created": _l("created"),
    "updated": _l("updated"),
    "unchanged": _l("unchanged"),
    "via": _l("Seen on"),
}

VALUES = {
    "lead": _l("Lead"),
    "member": _l("Member"),
    "home": _l("Home branch"),
    "functional": _l("Functional"),
    "page": _l("a web page"),
    "api": _l("the API"),
}

VALUE_MAX = 200  # a long text is cut, the page stays readable


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def target_label(target_type: str) -> str:
    return str(TARGET_TYPES.get(target_type, target_type))


def details(values: dict[str, Any] | None) -> list[tuple[str, str]]:
    """An entry's details as (label, text) pairs, in the order stored; empty
    values are left out."""
    return [(str(DETAILS.get(key, key)), _text(value))
            for key, value in (values or {}).items() if value not in (None, "", [], {})]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return ", ".join(f"{DETAILS.get(k, k)} {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    text = str(VALUES.get(value, value)) if isinstance(value, str) else str(value)
    return text if len(text) <= VALUE_MAX else text[:VALUE_MAX] + "…"
