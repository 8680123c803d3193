"""Certificates of approved hours (志愿服务证明) over the API: issue one for a
period, the caller's own, one by id, revoke, and the public check of a
verification code. Thin views over certificates.services and .queries:
every rule lives there, and the public check answers only public_facts()."""

import marshmallow as ma
from flask import g, url_for
from flask_smorest import Blueprint

from ..certificates import queries
from ..certificates import services as certificates
from ..certificates.limits import verify_limit
from ..certificates.models import Certificate
from ..exceptions import NotFound
from ..extensions import db
from ..routing import MAX_ID
from .auth import token_required
from .common import PageArgs
from .hours_schemas import BranchRef
from .schemas import ErrorSchema

blp = Blueprint("api_certificates", __name__,
                description="Certificates of approved hours (志愿服务证明) and their check")



# -- requests ---------------------------------------------------------------

class CertificateIn(ma.Schema):
    branch_id = ma.fields.Integer(required=True, strict=True,
                                  validate=ma.validate.Range(1, MAX_ID),
                                  metadata={"description": "a branch the caller has approved "
                                                           "hours in"})
    period_start = ma.fields.Date(required=True,
                                  metadata={"description": "first local day counted"})
    period_end = ma.fields.Date(required=True,
                                metadata={"description": "last local day counted: today at "
                                                         "the latest, at most five years "
                                                         "after period_start"})


# -- responses --------------------------------------------------------------

class CertificateVolunteer(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, metadata={"description": "as printed"})
    number = ma.fields.String(required=True, metadata={"description": "volunteer number"})


class PublicFactsOut(ma.Schema):
    """What anyone holding the code may see, and nothing more."""

    number = ma.fields.String(required=True)
    volunteer_name = ma.fields.String(required=True)
    branch_name = ma.fields.String(required=True)
    period_start = ma.fields.Date(required=True)
    period_end = ma.fields.Date(required=True)
    hours = ma.fields.Float(required=True)
    issued_on = ma.fields.Date(required=True)
    revoked = ma.fields.Boolean(required=True)


class CertificateOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True, metadata={"description": "printed on it"})
    verify_code = ma.fields.String(required=True,
                                   metadata={"description": "ABCD-EFGH-JKLM, for anyone to "
                                                            "check"})
    verify_url = ma.fields.String(required=True)
    volunteer = ma.fields.Nested(CertificateVolunteer, required=True)
    branch = ma.fields.Nested(BranchRef, required=True,
                              metadata={"description": "the issuing branch"})
    lead_name = ma.fields.String(required=True, allow_none=True)
    period_start = ma.fields.Date(required=True)
    period_end = ma.fields.Date(required=True)
    hours = ma.fields.Float(required=True)
    minutes = ma.fields.Integer(required=True)
    records = ma.fields.Integer(required=True)
    content = ma.fields.String(required=True, metadata={"description": "the service content"})
    issued_at = ma.fields.DateTime(required=True)
    issued_on = ma.fields.Date(required=True)
    revoked_at = ma.fields.DateTime(required=True, allow_none=True)


class CertificatePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CertificateOut), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


def _out(certificate: Certificate) -> dict:
    """What was copied when it was issued (a snapshot), never live names."""
    return {
        "id": certificate.id, "number": certificate.number,
        "verify_code": certificates.format_code(certificate.verify_code),
        "verify_url": url_for("certificates.verify_code", code=certificate.verify_code,
                              _external=True),
        "volunteer": {"id": certificate.user_id, "name": certificate.volunteer_name,
                      "number": certificate.volunteer_number},
        "branch": {"id": certificate.branch_id, "name": certificate.branch_name},
        "lead_name": certificate.lead_name, "period_start": certificate.period_start,
        "period_end": certificate.period_end, "hours": certificate.hours,
        "minutes": certificate.minutes, "records": certificate.records,
        "content": certificate.content, "issued_at": certificate.issued_at,
        "issued_on": certificates.issued_on(certificate),
        "revoked_at": certificate.revoked_at,
    }


def _visible(certificate_id: int) -> Certificate:
    """Its volunteer, the issuing branch's leads and admins; to anyone
    else it does not exist."""
    certificate = queries.certificate_with_branch(certificate_id)
    if not certificates.can_view(certificate, g.api_user):
        raise NotFound()
    return certificate


# -- the volunteer -------------------------------------------------------------------

@blp.route("/certificates", methods=["POST"])
@token_required
@blp.arguments(CertificateIn)
@blp.response(201, CertificateOut)
@blp.alt_response(422, schema=ErrorSchema,
                  description="A period in the future, reversed or over five years, an "
                              "unknown branch, or no approved hours in it (`branch_id`).")
def issue(data):
    """Issue a certificate of the caller's approved hours in a branch for a
    period of local days (corrected records count as corrected)."""
    certificate = certificates.issue(g.api_user, certificates.CertificateRequest(**data))
    db.session.commit()
    return _out(certificate)


@blp.route("/me/certificates", methods=["GET"])
@token_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, CertificatePage)
@blp.alt_response(422, schema=ErrorSchema, description="A bad cursor or limit.")
def mine(args):
    """The caller's certificates, newest first."""
    page = queries.certificates_of(g.api_user.id, args.get("cursor"), args["limit"])
    return {"items": [_out(c) for c in page.items], "next_cursor": page.next_cursor}


@blp.route("/certificates/<int:certificate_id>", methods=["GET"])
@token_required
@blp.response(200, CertificateOut)
@blp.alt_response(404, schema=ErrorSchema,
                  description="Unknown, or neither the caller's, nor of a branch they lead.")
def detail(certificate_id: int):
    """One certificate: for its volunteer, the issuing branch's leads and admins."""
    return _out(_visible(certificate_id))


@blp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@token_required
@blp.response(200, CertificateOut)
@blp.alt_response(403, schema=ErrorSchema,
                  description="A lead who sees it but is neither its volunteer nor an admin.")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Revoked already.")
def revoke(certificate_id: int):
    """Withdraw a certificate (its volunteer or an admin): its code then
    verifies as revoked."""
    certificate = certificates.revoke(_visible(certificate_id), g.api_user)
    db.session.commit()
    return _out(certificate)


# -- anyone --------------------------------------------------------------------------

@blp.route("/certificates/verify/<code>", methods=["GET"])
@verify_limit
@blp.response(200, PublicFactsOut)
@blp.alt_response(404, schema=ErrorSchema, description="No certificate has this code.")
@blp.alt_response(429, schema=ErrorSchema,
                  description="Too many checks from this address (shared with the page).")
def verify(code: str):
    """Check a verification code (dashes and spaces ignored, any case): the
    name, period, hours, branch, number, day of issue and whether it is
    revoked, nothing else. No token needed."""
    certificate = certificates.find_by_code(code[:100])
    if certificate is None:
        raise NotFound()
    return certificates.public_facts(certificate)
