"""`flask stats …`: maintenance of the summary tables."""

from flask.cli import AppGroup

stats_cli = AppGroup("stats", help="Summary tables of rankings and the public page.")
