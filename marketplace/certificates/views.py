"""Certificates of approved hours (志愿服务证明) and their public verification."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from ..db import utcnow
from ..exceptions import DomainError
from ..extensions import db
from ..forms import apply_domain_error
from ..localtime import local_zone
from ..pages import keyset_page, perform
from . import queries
from . import services as certificates
from .forms import IssueForm, VerifyForm
from .limits import verify_limit

bp = Blueprint("certificates", __name__, template_folder="templates",
               static_folder="static", static_url_path="/certificates/static")

PAGE_SIZE = 20


@bp.app_template_global()
def verify_code_shown(code: str) -> str:
    return certificates.format_code(code)


@bp.app_template_global()
def certificate_day(day) -> str:
    """A printed day, as the reader's language writes it (2026年1月1日)."""
    return format_date(day, "long")


@bp.route("/my/certificates", methods=["GET", "POST"])
@login_required
def mine():
    form = IssueForm()
    branches = queries.issuable_branches(current_user.id)
    form.branch_id.choices = [SelectChoice(b.id, b.name) for b in branches]
    if request.method == "GET" and form.period_end.data is None:
        today = _today()
        form.period_start.data, form.period_end.data = today.replace(month=1, day=1), today
    if branches and form.validate_on_submit():
        try:
            certificate = certificates.issue(current_user, certificates.CertificateRequest(
                branch_id=form.branch_id.data, period_start=form.period_start.data,
                period_end=form.period_end.data))
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your certificate is issued. Print it or give its code to whoever asks."),
                  "success")
            return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    page = keyset_page(lambda cursor: queries.certificates_of(current_user.id, cursor,
                                                               PAGE_SIZE))
    return render_template("certificates/mine.html", form=form, page=page,
                           has_branches=bool(branches))


def _today():
    return utcnow().astimezone(local_zone()).date()


def _visible(certificate_id: int):
    """Its volunteer, the issuing branch's leads and admins; nobody else
    learns that it exists (the public page shows what is public)."""
    certificate = queries.certificate_with_branch(certificate_id)
    if not certificates.can_view(certificate, current_user):
        abort(404)
    return certificate


@bp.route("/certificates/<int:certificate_id>")
@login_required
def detail(certificate_id: int):
    certificate = _visible(certificate_id)
    return render_template(
        "certificates/detail.html", certificate=certificate,
        verify_url=url_for("certificates.verify_code", code=certificate.verify_code,
                           _external=True),
        issued_on=certificates.issued_on(certificate),
        can_revoke=certificates.can_revoke(certificate, current_user))


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@login_required
def revoke(certificate_id: int):
    certificate = _visible(certificate_id)
    if not certificates.can_revoke(certificate, current_user):
        abort(403)
    return perform(lambda: certificates.revoke(certificate, current_user),
                   _("The certificate is revoked: its code now verifies as revoked."),
                   url_for("certificates.detail", certificate_id=certificate.id))


# -- public verification --------------------------------------------------------------

@bp.route("/verify")
@verify_limit
def verify():
    """The public form; with ?code= it checks the code."""
    form = VerifyForm(request.args)
    if not request.args.get("code"):
        return render_template("certificates/verify.html", form=form, facts=None,
                               checked=False)
    return _verified(form, request.args.get("code", ""))


@bp.route("/verify/<code>")
@verify_limit
def verify_code(code: str):
    return _verified(VerifyForm(data={"code": certificates.format_code(
        certificates.normalize_code(code[:40]))}), code)


def _verified(form: VerifyForm, code: str):
    """Only what a certificate certifies (certificates.public_facts), nothing else."""
    certificate = certificates.find_by_code(code[:100])
    facts = certificates.public_facts(certificate) if certificate is not None else None
    return render_template("certificates/verify.html", form=form, facts=facts,
                           checked=True), 200 if facts else 404
