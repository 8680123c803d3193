"""Accounts over the API: register, tokens (log in / log out), me, become a
volunteer, change the password."""

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, g
from flask_smorest import Blueprint
from sqlalchemy.orm import joinedload

from ..accounts import preferences, services, tokens
from ..accounts.passwords import MAX_LENGTH, MIN_LENGTH
from ..branches.models import Membership, MembershipStatus
from ..extensions import db
from .auth import token_required
from .common import JsonBoolean, rate_limited
from .schemas import ErrorSchema

blp = Blueprint("api_accounts", __name__, description="Accounts and tokens")


class RegisterIn(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(3, 40))
    password = ma.fields.String(required=True, load_only=True,
                                validate=ma.validate.Length(MIN_LENGTH, MAX_LENGTH))
    display_name = ma.fields.String(required=True, validate=ma.validate.Length(1, 40))
    phone = ma.fields.String(validate=ma.validate.Length(max=20))
    community = ma.fields.String(validate=ma.validate.Length(max=60))
    is_volunteer = JsonBoolean(load_default=False)


class UserOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)


class TokenIn(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(1, 40))
    password = ma.fields.String(required=True, load_only=True,
                                validate=ma.validate.Length(1, MAX_LENGTH))


class TokenOut(ma.Schema):
    token = ma.fields.String(required=True)
    expires_at = ma.fields.DateTime(required=True)


class PasswordIn(ma.Schema):
    current_password = ma.fields.String(required=True, load_only=True,
                                        validate=ma.validate.Length(1, MAX_LENGTH))
    new_password = ma.fields.String(required=True, load_only=True,
                                    validate=ma.validate.Length(MIN_LENGTH, MAX_LENGTH),
                                    metadata={"description": "the same rules as at "
                                                             "registration"})


class MeBranch(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    membership = ma.fields.String(required=True, validate=ma.validate.OneOf(["home", "functional"]))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(["member", "lead"]))


class MeOut(UserOut):
    is_admin = ma.fields.Boolean(required=True)
    is_volunteer = ma.fields.Boolean(required=True)
    is_party_member = ma.fields.Boolean(required=True)
    elder_mode = ma.fields.Boolean(required=True, metadata={
        "description": "Elder mode (长辈模式) on the pages: larger text, bigger buttons."})
    branches = ma.fields.List(ma.fields.Nested(MeBranch), required=True)


class MeIn(ma.Schema):
    elder_mode = JsonBoolean(required=True, metadata={
        "description": "Elder mode (长辈模式) for every device this account signs in on."})


@blp.route("/auth/register", methods=["POST"])
@rate_limited(blp, lambda: current_app.config["REGISTER_RATE_LIMIT"])
@blp.arguments(RegisterIn)
@blp.response(201, UserOut)
@blp.alt_response(409, schema=ErrorSchema, description="The username is taken.")
@blp.alt_response(422, schema=ErrorSchema, description="A weak password or a bad field.")
def register(data):
    user = services.register(services.Registration(**data))
    db.session.commit()
    return user


@blp.route("/auth/token", methods=["POST"])
@rate_limited(blp, lambda: current_app.config["LOGIN_RATE_LIMIT"])
@blp.arguments(TokenIn)
@blp.response(200, TokenOut)
@blp.alt_response(401, schema=ErrorSchema, description="Wrong username or password.")
def issue_token(data):
    user = services.authenticate(data["username"], data["password"])
    raw, token = tokens.issue_token(user)
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at}


@blp.route("/auth/token", methods=["DELETE"])
@token_required
@blp.response(204)
def revoke_token():
    """Log out: the token in the Authorization header stops working."""
    tokens.revoke(g.api_token)
    db.session.commit()


@blp.route("/me", methods=["GET"])
@token_required
@blp.response(200, MeOut)
@blp.alt_response(401, schema=ErrorSchema)
def me():
    return _me(g.api_user)


@blp.route("/me", methods=["PATCH"])
@token_required
@blp.arguments(MeIn)
@blp.response(200, MeOut)
@blp.alt_response(401, schema=ErrorSchema)
def update_me(data):
    """Change the account's preferences: elder mode (长辈模式), as the
    header's switch does on the pages."""
    preferences.set_account_elder_mode(g.api_user, data["elder_mode"])
    db.session.commit()
    return _me(g.api_user)


@blp.route("/me/volunteer", methods=["POST"])
@token_required
@blp.response(200, MeOut)
def become_volunteer():
    """Become a volunteer (who may publish services and offer help). Doing it
    again changes nothing (as the page's button)."""
    services.become_volunteer(g.api_user)
    db.session.commit()
    return _me(g.api_user)


@blp.route("/me/password", methods=["POST"])
@token_required
@rate_limited(blp, lambda: current_app.config["LOGIN_RATE_LIMIT"],
              key_func=lambda: f"api-password:{g.api_user.id}")
@blp.arguments(PasswordIn)
@blp.response(200, TokenOut)
@blp.alt_response(422, schema=ErrorSchema,
                  description="`current_password` is wrong, or `new_password` is weak.")
def change_password(data):
    """Change the password. Every older token and every page session of the
    account stops working (401); the answer is a fresh token, so this client
    stays logged in."""
    user = g.api_user
    services.change_password(user, data["current_password"], data["new_password"])
    raw, token = tokens.issue_token(user)
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at}


def _me(user) -> dict:
    memberships = db.session.scalars(
        sa.select(Membership).where(Membership.user_id == user.id,
                                    Membership.status == MembershipStatus.ACTIVE)
        .options(joinedload(Membership.branch)).order_by(Membership.id)
    )
    branches = [{"id": m.branch.id, "name": m.branch.name, "membership": m.membership.value,
                 "role": m.role.value} for m in memberships]
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "is_admin": user.is_admin, "is_volunteer": user.is_volunteer,
            "is_party_member": user.is_party_member, "elder_mode": user.elder_mode,
            "branches": branches}
