"""Helpers shared by every domain's forms."""

from flask import flash
from flask_wtf import FlaskForm
from wtforms.validators import Optional

from .exceptions import DomainError


class OptionalChoice(Optional):
    """Optional() for a choice of a filter form. A blank value ("   ") is no
    choice: Optional() alone stops the checks there, clearing the "not a
    valid choice" error, and the view would take "   " for a choice (a 500)."""

    def __call__(self, form, field):
        raw = field.raw_data[0] if field.raw_data else None
        if isinstance(raw, str) and raw and not raw.strip():
            field.data = ""
        super().__call__(form, field)


def apply_domain_error(form: FlaskForm, exc: DomainError, rename: dict | None = None) -> None:
    """Show a service's refusal next to the field it names (the form keeps
    what was typed), or as a flash message when it names none."""
    field_name = (rename or {}).get(exc.field, exc.field)
    field = form._fields.get(field_name) if field_name else None
    if field is not None:
        field.errors = [*field.errors, str(exc.message)]
    else:
        flash(str(exc.message), "danger")
