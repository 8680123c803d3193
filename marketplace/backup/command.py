"""`flask backup [PATH]`: a copy of the whole database, taken while the app
serves (README: Backups says how to restore it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click
from flask import current_app

from . import services


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path | None) -> None:
    """Copy the database to PATH (default: instance/backups/wangtao-<time>)."""
    target = path or services.default_path(Path(current_app.instance_path) / "backups")
    try:
        services.backup(target)
    except FileExistsError as exc:
        raise click.ClickException(f"{target} exists already; nothing was written.") from exc
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise click.ClickException(f"The backup failed: {detail.strip()}") from exc
    click.echo(f"Backup written: {target} ({target.stat().st_size:,} bytes)")
