"""Single instance per profile over QLocalServer/QLocalSocket.

A second start of the same profile connects first; when an instance answers it hands
over its command (``show``, ``call ...``, ``sms ...``) as one JSON line carrying a
protocol version, waits for one JSON line back and exits. Only when nobody answers
does it try to become the instance: a lock file in the profile decides races, a stale
socket left by a crash is removed, and the socket is user-only. Uses QtNetwork only, so the command line can use
the client without creating a QApplication.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QLockFile, QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop_app.core.profile import Profile

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
CONNECT_TIMEOUT_MS = 500
WRITE_TIMEOUT_MS = 2000
READ_TIMEOUT_MS = 2000
# A forwarded call waits for the PBX (connect 5 s + read 15 s) before the instance answers.
REPLY_TIMEOUT_MS = 30_000
MAX_MESSAGE_BYTES = 64 * 1024
LOCK_FILE = "instance.lock"
# A racing start may hold the lock a moment before it listens.
HANDOVER_ATTEMPTS = 50
HANDOVER_PAUSE_S = 0.1

Reply = dict
CommandHandler = Callable[[list[str]], Awaitable[tuple[bool, str]]]


class AlreadyRunning(Exception):
    """Another instance of the profile listens on the socket."""


class IpcError(Exception):
    pass


def _read_line(socket: QLocalSocket, timeout_ms: int) -> bytes | None:
    buffer = b""
    while b"\n" not in buffer:
        if len(buffer) > MAX_MESSAGE_BYTES:
            return None
        if socket.bytesAvailable() == 0:
            # The peer may write and close at once: the data can arrive with the close.
            if not socket.waitForReadyRead(timeout_ms) and socket.bytesAvailable() == 0:
                return None
        buffer += bytes(socket.readAll().data())
    return buffer.split(b"\n", 1)[0]


def send_to_running_instance(profile: Profile, argv: list[str], *, reply_timeout_ms: int = REPLY_TIMEOUT_MS) -> Reply | None:
    """Hand ``argv`` to the instance of ``profile``; None when no instance runs."""
    socket = QLocalSocket()
    socket.connectToServer(profile.ipc_name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return None
    try:
        message = json.dumps({"v": PROTOCOL_VERSION, "argv": argv}).encode() + b"\n"
        socket.write(message)
        if not socket.waitForBytesWritten(WRITE_TIMEOUT_MS):
            raise IpcError(f"could not talk to the running instance: {socket.errorString()}")
        line = _read_line(socket, reply_timeout_ms)
        if line is None:
            raise IpcError("the running instance did not answer")
        try:
            reply = json.loads(line)
        except ValueError:
            raise IpcError("the running instance answered nonsense") from None
        if not isinstance(reply, dict):
            raise IpcError("the running instance answered nonsense")
        return reply
    finally:
        socket.abort()


def hand_over(profile: Profile, argv: list[str]) -> Reply | None:
    """Like send_to_running_instance, waiting a little for an instance that is starting."""
    for _ in range(HANDOVER_ATTEMPTS):
        reply = send_to_running_instance(profile, argv)
        if reply is not None:
            return reply
        time.sleep(HANDOVER_PAUSE_S)
    return None


class IpcServer(QObject):
    """Listens for commands from later starts of the same profile.

    Signals:
        command_received(list): a well-formed command arrived (its argv).
    """

    command_received = Signal(list)

    def __init__(self, profile: Profile, handler: CommandHandler, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = profile.ipc_name
        self._handler = handler
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)
        self._tasks: set[asyncio.Task] = set()
        self._lock = QLockFile(str(profile.root / LOCK_FILE))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age

    @property
    def server_path(self) -> str:
        return self._server.fullServerName()

    def listen(self) -> None:
        """Listen, or raise AlreadyRunning.

        A lock file in the profile decides who runs: QLocalServer's user-only mode
        silently replaces an existing socket, so the socket alone cannot. Qt finds a
        lock left by a crashed process stale (its PID is gone) and takes it over.
        """
        if not self._lock.tryLock(0):
            raise AlreadyRunning(self._name)
        QLocalServer.removeServer(self._name)  # a socket file left behind by a crash
        if not self._server.listen(self._name):
            self._lock.unlock()
            raise IpcError(f"cannot listen on {self._name}: {self._server.errorString()}")

    async def close(self) -> None:
        self._server.close()
        if self._lock.isLocked():
            self._lock.unlock()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    @Slot()
    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            task = asyncio.ensure_future(self._serve(socket))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve(self, socket: QLocalSocket) -> None:
        try:
            line = await self._receive_line(socket)
            reply = await self._answer(line)
            if socket.state() == QLocalSocket.LocalSocketState.ConnectedState:
                socket.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
                socket.flush()
                socket.disconnectFromServer()
        finally:
            socket.deleteLater()

    async def _receive_line(self, socket: QLocalSocket) -> bytes | None:
        buffer = b""
        arrived = asyncio.Event()
        socket.readyRead.connect(arrived.set)
        socket.disconnected.connect(arrived.set)
        try:
            async with asyncio.timeout(READ_TIMEOUT_MS / 1000):
                while b"\n" not in buffer and len(buffer) <= MAX_MESSAGE_BYTES:
                    buffer += bytes(socket.readAll().data())
                    if b"\n" in buffer or socket.state() != QLocalSocket.LocalSocketState.ConnectedState:
                        break
                    arrived.clear()
                    await arrived.wait()
        except TimeoutError:
            return None
        return buffer.split(b"\n", 1)[0] if b"\n" in buffer else None

    async def _answer(self, line: bytes | None) -> Reply:
        if line is None:
            return {"v": PROTOCOL_VERSION, "ok": False, "message": "incomplete message"}
        try:
            message = json.loads(line)
        except ValueError:
            return {"v": PROTOCOL_VERSION, "ok": False, "message": "not JSON"}
        if not isinstance(message, dict) or message.get("v") != PROTOCOL_VERSION:
            return {"v": PROTOCOL_VERSION, "ok": False, "message": f"unsupported protocol, expected v{PROTOCOL_VERSION}"}
        argv = message.get("argv")
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            return {"v": PROTOCOL_VERSION, "ok": False, "message": "argv must be a list of strings"}
        self.command_received.emit(argv)
        try:
            ok, text = await self._handler(argv)
        except Exception:
            log.exception("forwarded command failed: %s", argv[:1])
            return {"v": PROTOCOL_VERSION, "ok": False, "message": "internal error, see the log"}
        return {"v": PROTOCOL_VERSION, "ok": ok, "message": text}
