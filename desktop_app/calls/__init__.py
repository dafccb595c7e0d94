"""Calls as the operator sees them: the call tracker and the call log. No Qt."""
