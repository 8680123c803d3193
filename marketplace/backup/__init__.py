"""Backups of the whole database: `flask backup` (see command.py)."""
