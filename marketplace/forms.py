"""Helpers shared by every domain's forms."""

from flask import flash
from flask_wtf import FlaskForm

from .exceptions import DomainError


def apply_domain_error(form: FlaskForm, exc: DomainError, rename: dict | None = None) -> None:
    """Show a service's refusal next to the field it names (the form keeps
    what was typed), or as a flash message when it names none."""
    field_name = (rename or {}).get(exc.field, exc.field)
    field = form._fields.get(field_name) if field_name else None
    if field is not None:
        field.errors = [*field.errors, str(exc.message)]
    else:
        flash(str(exc.message), "danger")
