"""``gravitel-desk ARGS`` as a child process, for the relay's end-to-end tests.

Runs the real command line; when it returns (SIGTERM), prints the Qt modules it loaded on
a last line ``qt-modules: ...`` (there must be none: the relay is headless).
``GRAVITEL_RELAY_TEST_HEARTBEAT`` shortens the heartbeat so a test need not wait 15 s;
``GRAVITEL_RELAY_TEST_QUEUE_LIMIT`` makes a desk count as behind sooner.
"""

from __future__ import annotations

import os
import sys

from desktop_app.relay import hub, protocol

if os.environ.get("GRAVITEL_RELAY_TEST_HEARTBEAT"):
    protocol.HEARTBEAT_SECONDS = float(os.environ["GRAVITEL_RELAY_TEST_HEARTBEAT"])
if os.environ.get("GRAVITEL_RELAY_TEST_QUEUE_LIMIT"):
    hub.QUEUE_LIMIT = int(os.environ["GRAVITEL_RELAY_TEST_QUEUE_LIMIT"])

from desktop_app.cli import main  # noqa: E402 - after the test's settings

code = main(sys.argv[1:])
qt = sorted(name for name in sys.modules if name.split(".")[0] in ("PySide6", "shiboken6", "qasync"))
print("qt-modules:", " ".join(qt) or "none", flush=True)
sys.exit(code)
