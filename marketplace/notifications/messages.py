"""What each kind of notification says, rendered in the reader's language
when it is shown, and where it leads."""

from flask import url_for
from flask_babel import gettext as _

from .models import Notification

TEXTS = {
    "enrollment.joined": lambda p: _("%(resident)s joined “%(service_title)s”.", **p),
    "enrollment.cancelled": lambda p: _("%(resident)s cancelled their place in "
                                        "“%(service_title)s”.", **p),
    "enrollment.confirmed": lambda p: _("Your place in “%(service_title)s” is confirmed.", **p),
    "enrollment.waitlisted": lambda p: _("You are on the waitlist of “%(service_title)s”.",
                                         **p),
    "enrollment.declined": lambda p: _("The volunteer could not take you for "
                                       "“%(service_title)s”.", **p),
    "enrollment.promoted": lambda p: _("A place freed up: you moved from the waitlist into "
                                       "“%(service_title)s”.", **p),
    "enrollment.completed": lambda p: _("“%(service_title)s” is marked completed. Please "
                                        "confirm and rate it.", **p),
    "service.cancelled": lambda p: _("“%(service_title)s” is closed or called off; your "
                                     "place there has ended.", **p),
    "help_offer.created": lambda p: _("%(volunteer)s offered to help with “%(title)s”.", **p),
    "help_offer.accepted": lambda p: _("Your offer for “%(title)s” is accepted: you can now "
                                       "see the resident's phone number.", **p),
    "help_offer.closed": lambda p: _("“%(title)s” found another helper. Thank you for "
                                     "offering!", **p),
    "help_request.completed": lambda p: _("“%(title)s” is marked done.", **p),
    "help_request.cancelled": lambda p: _("“%(title)s” was cancelled by the resident.", **p),
    "hours.approved": lambda p: _("%(hours).1f hours you recorded are approved.", **p),
    "hours.rejected": lambda p: _("Hours you recorded were not approved: %(reason)s", **p),
    "membership.requested": lambda p: _("%(member)s asks to join %(branch_name)s.", **p),
    "membership.accepted": lambda p: _("You are now a member of %(branch_name)s.", **p),
    "membership.refused": lambda p: (
        _("Your request to join %(branch_name)s was not accepted: %(reason)s", **p)
        if p.get("reason") else
        _("Your request to join %(branch_name)s was not accepted.", **p)),
    "membership.ended": lambda p: _("Your membership of %(branch_name)s has ended.", **p),
    "membership.role_changed": lambda p: (
        _("You are now a lead of %(branch_name)s.", **p) if p.get("role") == "lead"
        else _("You are no longer a lead of %(branch_name)s.", **p)),
    "branch.retired": lambda p: _("%(branch_name)s is retired; you are now a member of "
                                  "%(successor_name)s.", **p),
    "membership.home_moved": lambda p: _("Your home branch is now %(branch_name)s.", **p),
    "hour_report.created": lambda p: _("%(volunteer)s reported an error in an hour record.",
                                       **p),
    "hour_report.answered": lambda p: _("Your error report was answered: %(answer)s", **p),
    "hour_report.corrected": lambda p: _("Your error report was answered with a correction: "
                                         "%(hours).1f hours now count.", **p),
}


# Where a notice leads: the volunteer to the service's enrollments, the
# resident to their own enrollments.
FOR_VOLUNTEER = {"enrollment.joined", "enrollment.cancelled"}


def text(note: Notification) -> str:
    render = TEXTS.get(note.kind)
    try:
        return render(note.params) if render else note.kind
    except KeyError:  # a notice from an older version with other parameters
        return note.kind


def link(note: Notification) -> str | None:
    if note.kind == "hour_report.created":
        return url_for("hour_reports.detail", report_id=note.params["report_id"])
    if note.kind.startswith("hour_report."):
        return url_for("hour_reports.mine")
    if note.kind == "membership.requested":
        return url_for("branches.members_page", branch_id=note.params["branch_id"])
    if note.kind.startswith(("membership.", "branch.")):
        return url_for("branches.mine")
    if note.kind.startswith("hours."):
        return url_for("hours.mine")
    if note.params.get("help_request_id"):
        return url_for("help.detail", request_id=note.params["help_request_id"])
    service_id = note.params.get("service_id")
    if note.kind in FOR_VOLUNTEER and service_id:
        return url_for("listings.manage", service_id=service_id)
    if note.kind.startswith(("enrollment.", "service.")):
        return url_for("enrollments.mine")
    return None
