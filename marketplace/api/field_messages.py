"""Marshmallow's validation messages in the reader's language.

Marshmallow writes its messages in English and formats them as it validates
(limits, choices), so they are translated here, where an error answer names
its fields, by matching each English form. A message of ours (already
translated by the domain) matches none and passes through unchanged."""

import re

from flask_babel import gettext as _


def _patterns():
    """(English form, its translation); groups are the numbers and choices."""
    return [
        (r"Missing data for required field\.", lambda: _("This field is required.")),
        (r"Field may not be null\.", lambda: _("This field may not be empty.")),
        (r"Unknown field\.", lambda: _("This field is not known.")),
        (r"Invalid (input )?type\.|Not a valid (mapping type|list|tuple)\.",
         lambda: _("This is not the expected kind of value.")),
        (r"Not a valid string\.|Not a valid utf-8 string\.", lambda: _("Please send text.")),
        (r"Not a valid integer\.", lambda: _("Please send a whole number.")),
        (r"Not a valid number\.|Number too large\.|Special numeric values .*",
         lambda: _("Please send a number in range.")),
        (r"Not a valid boolean\.", lambda: _("Please send true or false.")),
        (r"Not a valid (datetime|date|time)\.|.* cannot be formatted as a .*",
         lambda: _("Please send a date and time such as 2026-05-01T09:00.")),
        (r"Length must be between (\d+) and (\d+)\.",
         lambda low, high: _("Length must be from %(low)s to %(high)s.", low=low, high=high)),
        (r"Shorter than minimum length (\d+)\.",
         lambda low: _("Length must be at least %(low)s.", low=low)),
        (r"Longer than maximum length (\d+)\.",
         lambda high: _("Length must be at most %(high)s.", high=high)),
        (r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.",
         lambda low, high: _("Please give a value from %(low)s to %(high)s.",
                             low=low, high=high)),
        (r"Must be greater than or equal to (\S+)\.",
         lambda low: _("Please give a value of at least %(low)s.", low=low)),
        (r"Must be less than or equal to (\S+)\.",
         lambda high: _("Please give a value of at most %(high)s.", high=high)),
        (r"Must be one of: (.*)\.",
         lambda choices: _("Please choose one of: %(choices)s.", choices=choices)),
        (r"No NUL characters, please\.|String does not match expected pattern\.|"
         r"Invalid (input|value)\.", lambda: _("This value is not allowed.")),
    ]


def localized(message: str) -> str:
    """`message` in the request's language when it is one of marshmallow's."""
    for pattern, translate in _patterns():
        found = re.fullmatch(pattern, message)
        if found:
            arity = translate.__code__.co_argcount  # 0 for the forms without figures
            return translate(*found.groups()[:arity])
    return message
