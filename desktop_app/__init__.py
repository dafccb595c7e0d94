"""Gravitel Desk: a tray app for operators of the Gravitel cloud PBX."""

__version__ = "0.1.0"
APP_NAME = "gravitel-desk"
DISPLAY_NAME = "Gravitel Desk"
