"""Run by tests as a separate process: the second start's side of the single-instance socket.

usage: python ipc_child.py PROFILE_DIR send ARG...   -> prints the reply as JSON (or null)
       python ipc_child.py PROFILE_DIR raw BYTES     -> writes BYTES as they are, prints the reply line
(Run with python -P: tests/desktop_app would shadow the package. PySide6's blocking socket calls hold the GIL, so the client cannot share a process with the server's loop.)
"""

import json
import sys
from pathlib import Path

from PySide6.QtNetwork import QLocalSocket

from desktop_app.core.profile import Profile
from desktop_app.gui.shell.ipc import send_to_running_instance


def main() -> None:
    profile = Profile(Path(sys.argv[1]))
    if sys.argv[2] == "send":
        print(json.dumps(send_to_running_instance(profile, sys.argv[3:])))
        return
    sock = QLocalSocket()
    sock.connectToServer(profile.ipc_name)
    assert sock.waitForConnected(2000), sock.errorString()
    sock.write(sys.argv[3].encode())
    sock.waitForBytesWritten(2000)
    data = b""
    while b"\n" not in data:
        if not sock.waitForReadyRead(5000) and sock.bytesAvailable() == 0:
            break
        data += bytes(sock.readAll().data())
    print(data.decode().strip() or "null")


if __name__ == "__main__":
    main()
