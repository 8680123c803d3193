"""Helpers shared by the HTML views."""

from flask import flash, redirect

from .exceptions import DomainError
from .extensions import db


def perform(step, success_message: str, back: str):
    """Run one domain action as one transaction, say how it went, go back."""
    try:
        step()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
    else:
        db.session.commit()
        flash(success_message, "success")
    return redirect(back)
