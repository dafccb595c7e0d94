"""The operator's windows and their models."""
