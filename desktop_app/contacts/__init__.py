"""The contact directory and its files (CSV, vCard). No Qt."""
