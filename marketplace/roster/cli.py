"""`flask roster …`: CSV import and export on the command line."""

from flask.cli import AppGroup

roster_cli = AppGroup("roster", help="Import and export branches and members as CSV.")
