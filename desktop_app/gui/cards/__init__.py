"""Caller cards and the stack that places them on screen."""
