"""Shared fixtures. Every fixture tears down what it started.

GUI tests (under tests/desktop_app/gui/) run their coroutines on a qasync loop, the
same loop the app runs on; tests of the floors below Qt use plain asyncio, as a
headless server would.
"""

from __future__ import annotations

import asyncio
import gc
import os
from pathlib import Path

import keyring
import pytest
from fake_keyrings import MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GUI_TESTS = Path(__file__).parent / "desktop_app" / "gui"


# A qasync loop owns QObjects (its timer, its call_soon signaller). If the garbage
# collector frees a closed loop in a worker thread (the journal's, an executor's), Qt
# cannot unregister the timer from there and it later fires on freed memory: a segfault
# a few tests on. So loops are released here, in the main thread, after each test.
_QASYNC_LOOPS: list[asyncio.AbstractEventLoop] = []


def _qasync_loop() -> asyncio.AbstractEventLoop:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    _QASYNC_LOOPS.append(loop)
    return loop


def pytest_asyncio_loop_factories(config, item):
    if GUI_TESTS in Path(str(item.path)).parents:
        return {"qasync": _qasync_loop}
    return {"asyncio": asyncio.new_event_loop}


@pytest.fixture(autouse=True)
def _release_qasync_loops():
    yield
    while _QASYNC_LOOPS and _QASYNC_LOOPS[0].is_closed():
        loop = _QASYNC_LOOPS.pop(0)
        timer = loop._timer
        for timer_id in list(getattr(timer, "_SimpleTimer__callbacks", {})):
            timer.killTimer(timer_id)
        del loop, timer
    gc.collect()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test sees the developer's tokens, profile or real keyring."""
    for var in ("GRAVITEL_DESK_API_TOKEN", "GRAVITEL_DESK_CRM_TOKEN", "GRAVITEL_DESK_RELAY_TOKEN",
                "GRAVITEL_DESK_METRICS_TOKEN", "GRAVITEL_DESK_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def profile(tmp_path):
    from desktop_app.core.profile import Profile

    return Profile(tmp_path / "profile").ensure()
