"""Synthetic benchmark data (issue 7): `flask bench-seed`."""
