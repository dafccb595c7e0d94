"""PySide6 6.12 on Python 3.11 over-releases None after a few thousand calls (STYLE.md).

The soak runs in a child process so that, if a dependency bump brings the bug back,
this test fails with the child's fatal error instead of killing the whole test run.
"""

import subprocess
import sys
import textwrap

import pytest

SOAK = textwrap.dedent(
    """
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication, QLabel

    class Emitter(QObject):
        fired = Signal(int)

    app = QApplication([])
    label = QLabel()
    for i in range(100_000):
        label.setText("x")          # returns None
    emitter = Emitter()
    seen = []
    emitter.fired.connect(seen.append)
    for i in range(100_000):
        emitter.fired.emit(i)
    assert len(seen) == 100_000
    print("soak ok")
    """
)


@pytest.mark.slow
def test_100k_none_returning_calls_and_emits_do_not_crash():
    result = subprocess.run([sys.executable, "-c", SOAK], capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "soak ok" in result.stdout
