"""Categories over the API."""

import marshmallow as ma
import sqlalchemy as sa
from flask_smorest import Blueprint

from ..extensions import db
from ..listings.models import Category
from ..pagecache import public_page

blp = Blueprint("api_catalog", __name__, description="Service categories")


class CategoryOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True, metadata={"description": "Chinese name"})
    name_en = ma.fields.String(required=True)
    icon = ma.fields.String(required=True)


class CategoryList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CategoryOut), required=True)


@blp.route("/categories", methods=["GET"])
@public_page
@blp.response(200, CategoryList)
def categories():
    """The active categories in display order (public)."""
    items = db.session.scalars(sa.select(Category).where(Category.retired_at.is_(None))
                               .order_by(Category.position, Category.id)).all()
    return {"items": items}
