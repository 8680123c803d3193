"""Helpers shared by the HTML views."""

from collections.abc import Callable

from flask import flash, redirect, request
from flask_wtf import FlaskForm

from .exceptions import DomainError
from .extensions import db
from .forms import apply_domain_error
from .pagination import BadCursor, Page


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


def save_form(step: Callable[[], object], form: FlaskForm, success: str,
              rename: dict | None = None) -> bool:
    """Run the domain action of a submitted form as one transaction. True when
    it is done (committed, success flashed); False when the rule refused it:
    rolled back, the message shown beside its field and the form keeping
    what was typed."""
    try:
        step()
    except DomainError as exc:
        db.session.rollback()
        apply_domain_error(form, exc, rename)
        return False
    db.session.commit()
    flash(success, "success")
    return True


def keyset_page(load: Callable[[str | None], Page], cursor_arg: str = "cursor") -> Page:
    """`load(cursor)` for the request's ?cursor=; a stale or forged cursor
    starts from the top instead of failing."""
    try:
        return load(request.args.get(cursor_arg))
    except BadCursor:
        return load(None)
