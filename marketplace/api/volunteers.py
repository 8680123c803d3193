"""A volunteer's public page (their "shop", /volunteers/<id>) over the API:
their figures, published services and residents' comments. Never a phone,
username or address. Thin view over profiles.queries and listings.queries,
as the page."""

import marshmallow as ma
from flask_smorest import Blueprint

from ..exceptions import NotFound
from ..feedback.queries import volunteer_comments
from ..listings import queries as listings
from ..pagecache import public_page
from ..profiles.queries import public_volunteer, volunteer_profile
from .common import OPTIONAL_TOKEN, PageArgs, optional_user
from .schemas import ErrorSchema
from .services import RatingOut, ServicePage

blp = Blueprint("api_volunteers", __name__, description="Volunteers' public pages")


class CommentOut(ma.Schema):
    rating = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 5))
    comment = ma.fields.String(required=True, metadata={
        "description": "phone and ID numbers in it are masked"})
    created_at = ma.fields.DateTime(required=True)
    service_title = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "the service it is about; null for a help request"})


class VolunteerOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)
    is_party_member = ma.fields.Boolean(required=True)
    stars = ma.fields.Integer(required=True, validate=ma.validate.Range(0, 5),
                              metadata={"description": "0-5 (星级), from approved hours"})
    approved_hours = ma.fields.Float(required=True, metadata={"description": "net of "
                                                                             "corrections"})
    completed = ma.fields.Integer(required=True, metadata={
        "description": "people served: completed enrollments and help requests"})
    services_count = ma.fields.Integer(required=True,
                                       metadata={"description": "every service they made"})
    rating = ma.fields.Nested(RatingOut, required=True,
                              metadata={"description": "residents' ratings (a hidden "
                                                            "comment's rating counts)"})
    services = ma.fields.Nested(ServicePage, required=True, metadata={
        "description": "their published and closed services, newest first; the next page "
                       "with ?cursor=services.next_cursor"})
    comments = ma.fields.List(ma.fields.Nested(CommentOut), required=True, metadata={
        "description": "the latest visible comments of residents (no names)"})


@blp.route("/volunteers/<int:user_id>", methods=["GET"])
@public_page
@blp.doc(security=OPTIONAL_TOKEN)
@blp.arguments(PageArgs, location="query")
@blp.response(200, VolunteerOut)
@blp.alt_response(404, schema=ErrorSchema,
                  description="Unknown, not a volunteer, or a deactivated account.")
@blp.alt_response(422, schema=ErrorSchema, description="A bad cursor or limit.")
def volunteer(args, user_id: int):
    """A volunteer's public page (public): figures, services, comments."""
    optional_user()  # a bad token is refused, not ignored
    person = public_volunteer(user_id)
    if person is None:
        raise NotFound()
    profile = volunteer_profile(person.id)
    page = listings.services_of(person.id, include_unlisted=False, cursor=args.get("cursor"),
                                limit=args["limit"])
    return {
        "id": person.id, "display_name": person.display_name,
        "is_party_member": person.is_party_member, "stars": profile.stars,
        "approved_hours": profile.approved_hours, "completed": profile.completed,
        "services_count": profile.services,
        "rating": {"average": profile.rating_average, "count": profile.rating_count},
        "services": {"items": page.items, "next_cursor": page.next_cursor},
        "comments": volunteer_comments(person.id),
    }
