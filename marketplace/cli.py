"""Command-line tools: `flask create-admin`, `flask seed-demo`, and each
domain's own groups (`flask roster …`, `flask stats …`)."""

import click
from flask import Flask

from .accounts import services as accounts
from .backup.command import backup_command
from .benchdata.command import bench_seed
from .exceptions import DomainError
from .extensions import db
from .rankings.cli import stats_cli
from .roster.cli import roster_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(roster_cli)
    app.cli.add_command(stats_cli)
    app.cli.add_command(bench_seed)
    app.cli.add_command(backup_command)


@click.command("create-admin")
@click.argument("username")
@click.option("--password", help="Without it, you are asked (hidden).")
def create_admin(username: str, password: str | None) -> None:
    """Make USERNAME an admin, creating the account if it does not exist."""
    if password is None and accounts.find_by_username(username) is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.make_admin(username, password)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"{user.username} is an admin.")


@click.command("seed-demo")
def seed_demo() -> None:
    """Fill the database with demo data (does nothing if it is already there)."""
    from .demo.seed import DEMO_PASSWORD, seed

    created = seed()
    db.session.commit()
    if created:
        click.echo("Demo data created.")
    else:
        click.echo("Demo data already present; nothing changed.")
    from .demo.seed import demo_accounts_text
    click.echo(demo_accounts_text())
    click.echo(f"Every demo account's password: {DEMO_PASSWORD}")
