"""The eight service categories (DESIGN.md) and keeping them present."""

import sqlalchemy as sa

from ..extensions import db
from .models import Category

# slug, Chinese name, English name, Bootstrap icon
DEFAULT_CATEGORIES = (
    ("convenience", "便民利民", "Everyday convenience", "house-heart"),
    ("environment", "环保公益", "Environment and public good", "tree"),
    ("donation", "爱心捐赠", "Donations", "gift"),
    ("pairing", "帮扶结对", "Paired assistance", "people"),
    ("advice", "咨询辅导", "Advice and tutoring", "chat-dots"),
    ("health", "医疗健康", "Health and medical care", "heart-pulse"),
    ("legal", "法律援助", "Legal aid", "bank"),
    ("culture", "文体教育", "Culture, sports and education", "book"),
)


def ensure_default_categories() -> dict[str, Category]:
    """Add any missing default category (by slug); leave admins' edits alone."""
    existing = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    for position, (slug, name, name_en, icon) in enumerate(DEFAULT_CATEGORIES, start=1):
        if slug not in existing:
            existing[slug] = Category(slug=slug, name=name, name_en=name_en, icon=icon,
                                      position=position)
            db.session.add(existing[slug])
    db.session.flush()
    return existing
