"""`flask roster …`: CSV import and export on the command line (what a
province-sized file goes through: no upload limit, progress as it runs)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..extensions import db
from .branch_import import import_branches
from .common import ImportRejected, ImportReport, RosterChanged
from .export import export_chunks
from .member_import import import_members

roster_cli = AppGroup("roster", help="Import and export branches and members as CSV.")


def _progress(step: str, rows: int) -> None:
    click.echo(f"  {step}: {rows:,} rows", err=True)


def _print_report(report: ImportReport) -> None:
    click.echo(f"{report.filename or '-'}: {report.rows:,} rows in {report.seconds:.1f} s")
    for name, counts in report.counts.items():
        click.echo(f"  {name}: {counts.created:,} created, {counts.updated:,} updated, "
                   f"{counts.unchanged:,} unchanged")


def _print_errors(report: ImportReport) -> None:
    click.echo(f"{report.error_count:,} error(s); nothing was imported.", err=True)
    for error in report.errors:
        click.echo(f"  line {error.line}: {error.message}", err=True)
    if report.error_count > len(report.errors):
        click.echo(f"  … and {report.error_count - len(report.errors):,} more.", err=True)


def _run_import(run, path: str) -> None:
    try:
        with open(path, "rb") as binary:
            report = run(binary, filename=path, progress=_progress)
    except ImportRejected as exc:
        db.session.rollback()
        _print_errors(exc.report)
        sys.exit(1)
    except RosterChanged as exc:
        db.session.rollback()
        click.echo(str(exc.message), err=True)
        sys.exit(1)
    db.session.commit()
    _print_report(report)


@roster_cli.command("import-branches")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_branches_command(path: str) -> None:
    """Import branches from the CSV file PATH (code,name,kind,parent_code,community)."""
    _run_import(import_branches, path)


@roster_cli.command("import-members")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_members_command(path: str) -> None:
    """Import members from the CSV file PATH
    (username,display_name,phone,branch_code,membership,role)."""
    _run_import(import_members, path)


def _export(what: str, path: str | None) -> None:
    if path in (None, "-"):
        _write_chunks(what, sys.stdout)
        sys.stdout.flush()
    else:
        with open(path, "w", encoding="utf-8", newline="") as out:
            _write_chunks(what, out)
    db.session.rollback()  # only read: end the transaction


def _write_chunks(what: str, out) -> None:
    for chunk in export_chunks(what):
        out.write(chunk)


@roster_cli.command("export-branches")
@click.argument("path", required=False)
def export_branches_command(path: str | None) -> None:
    """Write the live branches as CSV to PATH (standard output without it)."""
    _export("branches", path)


@roster_cli.command("export-members")
@click.argument("path", required=False)
def export_members_command(path: str | None) -> None:
    """Write the active members as CSV to PATH (standard output without it)."""
    _export("members", path)
