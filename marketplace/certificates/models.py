"""Certificates of approved volunteer hours (志愿服务证明).

A certificate is a snapshot: the figures and names are copied when it is
issued, so a later rename or correction does not change what was printed;
the public verification page shows exactly what it certifies."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..branches.models import Branch


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
        sa.Index("ix_certificates_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(24), unique=True)  # printed on it
    verify_code: Mapped[str] = mapped_column(sa.String(16), unique=True)  # checked publicly
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branches.id"))  # issuing branch
    volunteer_name: Mapped[str] = mapped_column(sa.String(40))
    volunteer_number: Mapped[str] = mapped_column(sa.String(24))
    branch_name: Mapped[str] = mapped_column(sa.String(120))
    lead_name: Mapped[str | None] = mapped_column(sa.String(40))
    period_start: Mapped[date]
    period_end: Mapped[date]
    minutes: Mapped[int]
    records: Mapped[int]
    content: Mapped[str] = mapped_column(sa.String(300))  # what the service was
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    branch: Mapped[Branch] = relationship()

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
