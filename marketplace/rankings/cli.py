"""`flask stats …`: maintenance of the summary tables.

    flask stats rebuild   recompute all three tables from the points ledger,
                          in one transaction (after a restore, an import
                          that bypassed the rules, or a failed check)
    flask stats check     compare the tables with a fresh computation;
                          exit status 1 when they differ
"""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import rebuild as recompute

stats_cli = AppGroup("stats", help="Summary tables of rankings and the public page.")


@stats_cli.command("rebuild")
def rebuild() -> None:
    """Recompute the summary tables from the points ledger and the records."""
    try:
        written = recompute.rebuild()
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    for table, rows in written.items():
        click.echo(f"{table}: {rows} rows")
    click.echo("Summary tables rebuilt.")


@stats_cli.command("check")
def check() -> None:
    """Exit 1 when the summary tables differ from a fresh computation."""
    found = recompute.differences()
    db.session.rollback()  # read only
    if not found:
        click.echo("Summary tables agree with the ledger.")
        return
    for difference in found:
        click.echo(f"{difference.table}: {difference.kept_only} rows differ from the ledger, "
                   f"{difference.fresh_only} rows missing or different", err=True)
        for side, row in difference.examples:
            click.echo(f"  {side}: {row}", err=True)
    click.echo("Run `flask stats rebuild` to recompute them.", err=True)
    raise SystemExit(1)
