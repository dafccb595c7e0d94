"""The running app around the windows: composition root, tray, single instance, crash handler, translations."""
