"""flask create-admin and flask seed-demo."""

import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.branches.models import Alliance, Membership, MembershipKind
from marketplace.demo.seed import DEMO_PASSWORD
from marketplace.enrollments.models import Enrollment, EnrollmentStatus
from marketplace.extensions import db
from marketplace.help.models import HelpRequest, HelpRequestStatus
from marketplace.hours.models import HourRecord, HourStatus, PointEntry
from marketplace.listings.models import Category, Service
from marketplace.models import AuditEntry, Branch, Feedback, HelpOffer, Notification

from .factories import make_user


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_admin_with_a_password(runner):
    result = runner.invoke(args=["create-admin", "chief", "--password", "a-strong-secret"])
    assert result.exit_code == 0, result.output
    user = accounts.authenticate("chief", "a-strong-secret")
    assert user.is_admin


def test_create_admin_prompts_for_the_password(runner):
    result = runner.invoke(args=["create-admin", "chief"],
                           input="a-strong-secret\na-strong-secret\n")
    assert result.exit_code == 0, result.output
    assert accounts.authenticate("chief", "a-strong-secret").is_admin


def test_create_admin_promotes_an_existing_account(runner):
    user = make_user(username="laoli")
    result = runner.invoke(args=["create-admin", "laoli"])
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.is_admin
    assert db.session.scalar(sa.select(AuditEntry.action).filter_by(target_id=user.id)
                             ) == "user.make_admin"


def test_create_admin_refuses_a_weak_password(runner):
    result = runner.invoke(args=["create-admin", "chief", "--password", "123"])
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(User).filter_by(username="chief")) is None


def test_seed_demo_covers_every_state_and_runs_twice(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "vol_wang" in first.output and DEMO_PASSWORD in first.output
    models = (User, Branch, Alliance, Membership, Category, Service, Enrollment, Feedback,
              HelpRequest, HelpOffer, HourRecord, PointEntry, Notification, AuditEntry)
    counts = {model: _count(model) for model in models}

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    assert {model: _count(model) for model in models} == counts

    assert counts[Category] == 8
    assert counts[Service] >= 30
    for model, status_enum in ((Enrollment, EnrollmentStatus), (HelpRequest, HelpRequestStatus),
                               (HourRecord, HourStatus)):
        present = set(db.session.scalars(sa.select(model.status).distinct()))
        assert present == set(status_enum), model
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.membership == MembershipKind.FUNCTIONAL)) >= 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HourRecord).where(
        HourRecord.corrects_id.is_not(None))) == 1
    # Confirmed places and matched requests carry their visit codes, as live ones do.
    for model, status in ((Enrollment, EnrollmentStatus.CONFIRMED),
                          (HelpRequest, HelpRequestStatus.MATCHED)):
        codes = db.session.scalars(sa.select(model.visit_code).filter_by(status=status)).all()
        assert codes and all(codes), model


def test_seed_demo_keeps_the_service_counters_true(runner):
    runner.invoke(args=["seed-demo"])
    for service in db.session.scalars(sa.select(Service)):
        statuses = list(db.session.scalars(
            sa.select(Enrollment.status).filter_by(service_id=service.id)))
        assert service.taken == sum(s in ("pending", "confirmed") for s in statuses)
        assert service.waitlisted == statuses.count("waitlisted")
        assert service.taken <= service.capacity


def test_every_demo_account_can_log_in(runner, client):
    runner.invoke(args=["seed-demo"])
    usernames = list(db.session.scalars(sa.select(User.username)))
    assert len(usernames) >= 15
    for username in usernames:
        test_client = client.application.test_client()
        response = test_client.post("/account/login", data={
            "username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
