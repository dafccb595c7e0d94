"""A private X server for the few tests that need a real window system (focus, stacking).

``-displayfd`` makes Xvfb pick a free display number itself and write it to a pipe only
once it accepts clients: no collision with another Xvfb, no guessing when it is ready.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
from collections.abc import Iterator

START_TIMEOUT = 30.0

available = shutil.which("Xvfb") is not None


@contextlib.contextmanager
def virtual_display(size: str = "1280x800x24") -> Iterator[str]:
    """Start Xvfb, yield its ``DISPLAY`` (":N") once it is ready, stop it at the end."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], START_TIMEOUT)
        number = os.read(read_end, 16).decode().strip() if ready else ""
        if not number:
            raise RuntimeError(f"Xvfb did not start within {START_TIMEOUT:.0f} s (exit status {server.poll()})")
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
