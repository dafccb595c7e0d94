"""``--demo``: a throw-away profile wired to the built-in simulator."""

from __future__ import annotations

import tempfile
from pathlib import Path

from desktop_app.profile import Profile


def demo_profile() -> Profile:
    return Profile(Path(tempfile.mkdtemp(prefix="gravitel-desk-demo-"))).ensure()
