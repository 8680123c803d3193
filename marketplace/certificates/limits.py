"""The rate limit of public verification, shared by the page and the API so
that codes cannot be guessed by trying many (VERIFY_RATE_LIMIT, per
address; in Redis when several workers run)."""

from flask import current_app, request

from ..extensions import limiter


def _limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _just_the_form() -> bool:
    """The empty form checks nothing: it costs no attempt."""
    return request.endpoint == "certificates.verify" and not request.args.get("code")


verify_limit = limiter.shared_limit(_limit, scope="certificate-verify",
                                    exempt_when=_just_the_form)
