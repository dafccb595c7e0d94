"""The composition root: builds every object once, wires their signals, runs the loop.

One qasync loop drives Qt and asyncio together. Quitting sets an ``asyncio.Event``
that :meth:`Desk.run` awaits; then tasks are cancelled and servers and the HTTP client
closed before the loop ends (``aboutToQuit`` would be too late for that).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import qasync
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app import APP_NAME, DISPLAY_NAME, log_setup
from desktop_app import settings as settings_module
from desktop_app.gui import i18n, msgbox
from desktop_app.gui.crash_handler import CrashHandler
from desktop_app.gui.ipc import AlreadyRunning, IpcServer, hand_over
from desktop_app.gui.resources import app_icon
from desktop_app.gui.status import DeskStatus
from desktop_app.gui.tray import Tray, WindowList
from desktop_app.profile import Profile
from desktop_app.settings import Settings, SettingsError

log = logging.getLogger(__name__)

# Python runs signal handlers only between bytecodes; a periodic no-op timer lets Ctrl+C
# and SIGTERM through while Qt sits in its C++ event loop.
SIGNAL_WAKEUP_MS = 300


class Desk(QObject):
    """The running desk of one profile."""

    def __init__(
        self,
        profile: Profile,
        settings: Settings,
        *,
        demo: bool = False,
        tray_available: bool | None = None,
    ) -> None:
        super().__init__()
        self.profile = profile
        self.settings = settings
        self.demo = demo
        self._quit = asyncio.Event()
        self.status = DeskStatus(self)
        self.windows = WindowList()
        self.tray = Tray(self.status, self.windows, tray_available=tray_available)
        self.tray.quit_requested.connect(self.request_quit)
        self.ipc = IpcServer(profile, self.handle_command, self)
        self.crash_handler = CrashHandler(profile.logs_dir / log_setup.LOG_FILE)
        self._wakeup = QTimer(self)
        self._wakeup.setInterval(SIGNAL_WAKEUP_MS)
        self._wakeup.timeout.connect(lambda: None)
        self.started = asyncio.Event()

    def request_quit(self) -> None:
        self._quit.set()

    async def run(self) -> int:
        try:
            self.ipc.listen()
        except AlreadyRunning:
            # Another start of this profile won the race: hand over and leave.
            return 0 if hand_over(self.profile, ["show"]) is not None else 1
        self.crash_handler.install()
        self._install_signal_handlers()
        try:
            await self.start()
            self.started.set()
            await self._quit.wait()
        finally:
            await self.shutdown()
        return 0

    async def start(self) -> None:
        self.tray.show()
        self.status.update(listener=self.tr("not configured"), pbx=self.tr("not configured"))
        log.info("desk started on profile %s", self.profile.root)

    async def shutdown(self) -> None:
        self._wakeup.stop()
        self.tray.hide()
        await self.ipc.close()
        self.crash_handler.uninstall()
        log.info("desk stopped")

    async def handle_command(self, argv: list[str]) -> tuple[bool, str]:
        """A command forwarded by a later start of the same profile."""
        if not argv or argv[0] == "show":
            if not self.tray.has_tray:
                self.tray.show_status_window()
            return True, ""
        return False, self.tr("Unknown command: {command}").format(command=argv[0])

    def _install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self.request_quit())
        self._wakeup.start()


def _settings_or_explain(profile: Profile) -> Settings | None:
    try:
        return settings_module.load(profile.config_path)
    except SettingsError as exc:
        log.error("%s", exc)
        print(f"gravitel-desk: {exc}", file=sys.stderr)
        if not msgbox.is_headless():
            box = QMessageBox(QMessageBox.Icon.Critical, DISPLAY_NAME, i18n.error_text(exc))
            box.exec()
        return None


def make_application() -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(DISPLAY_NAME)
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(app_icon())
    return app


def run_gui(profile: Profile, *, demo: bool = False) -> int:
    profile.ensure()
    log_setup.setup(profile.logs_dir)
    app = make_application()
    settings = _settings_or_explain(profile)
    if settings is None:
        return 2
    i18n.install(app, settings.ui.language)
    desk = Desk(profile, settings, demo=demo)
    return qasync.run(desk.run())
