import logging
import sys

import pytest

from desktop_app.core import log_setup
from desktop_app.gui.shell.crash_handler import CrashHandler


@pytest.fixture
def logged(profile):
    handler = log_setup.setup(profile.logs_dir)
    yield profile.logs_dir / log_setup.LOG_FILE
    logging.getLogger().removeHandler(handler)
    handler.close()


def test_unhandled_exception_is_logged_to_the_profile(qapp, logged):
    log_setup.register_secret("crash-secret-77")
    handler = CrashHandler(logged)
    handler.install()
    try:
        try:
            raise ValueError("boom with crash-secret-77")
        except ValueError:
            sys.excepthook(*sys.exc_info())
        assert sys.excepthook == handler.excepthook  # re-armed for the next one
    finally:
        handler.uninstall()
    assert sys.excepthook is not handler.excepthook
    text = logged.read_text(encoding="utf-8")
    assert "unhandled exception" in text and "ValueError: boom" in text
    assert "crash-secret-77" not in text
    assert handler.handled == 1


def test_keyboard_interrupt_quits(qapp, logged):
    quit_called = []
    handler = CrashHandler(logged, on_fatal=lambda: quit_called.append(True))
    handler.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert quit_called == [True]
