"""Schemas shared across API modules; each module declares its own request
and response schemas beside its views."""

from ..extensions import ErrorSchema

__all__ = ["ErrorSchema"]
