"""What is shown of a volunteer to others: figures only, no personal data."""
