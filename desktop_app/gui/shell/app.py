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
from collections.abc import Coroutine
from typing import Any

import httpx
import qasync
from PySide6.QtCore import QDateTime, QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop_app import APP_NAME, DISPLAY_NAME
from desktop_app.calls.call_log import CallLog
from desktop_app.calls.dispatcher import CallDispatcher
from desktop_app.calls.tracker import CallTracker, MissedCall
from desktop_app.campaigns.follower import ReportFollower
from desktop_app.campaigns.relay_client import RelayCallbacks
from desktop_app.campaigns.store import CampaignStore
from desktop_app.contacts.directory import ContactDirectory
from desktop_app.core import log_setup, phone, secret_store
from desktop_app.core import settings as settings_module
from desktop_app.core.profile import Profile
from desktop_app.core.settings import Settings, SettingsError
from desktop_app.core.texts import UserError
from desktop_app.demo import Demo
from desktop_app.gui.cards.card_stack import CardStack
from desktop_app.gui.common import msgbox
from desktop_app.gui.common.async_action import AsyncAction, PbxRequests
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.shell import i18n
from desktop_app.gui.shell.crash_handler import CrashHandler
from desktop_app.gui.shell.i18n import error_text, tr_text
from desktop_app.gui.shell.ipc import AlreadyRunning, IpcServer, hand_over
from desktop_app.gui.shell.resources import app_icon
from desktop_app.gui.shell.status import DeskStatus
from desktop_app.gui.shell.tray import Tray, WindowList, present
from desktop_app.gui.windows.balance_view import BalanceLabel, BalanceMonitor
from desktop_app.gui.windows.campaigns_window import CampaignsWindow
from desktop_app.gui.windows.contacts_window import ContactsWindow
from desktop_app.gui.windows.dial_window import DialWindow
from desktop_app.gui.windows.employees_window import EmployeesWindow
from desktop_app.gui.windows.history_window import HistoryWindow
from desktop_app.gui.windows.missed_calls_window import MissedCalls, MissedCallsWindow
from desktop_app.gui.windows.settings_window import SettingsWindow
from desktop_app.gui.windows.sms_window import SmsWindow
from desktop_app.pbx.balance_gate import BalanceGate
from desktop_app.pbx.client import PbxClient, make_http_client
from desktop_app.pbx.recordings import RecordingFetcher
from desktop_app.webhooks.listener import Listener, ListenerState

log = logging.getLogger(__name__)

# Python runs signal handlers only between bytecodes; a periodic no-op timer lets Ctrl+C
# and SIGTERM through while Qt sits in its C++ event loop.
SIGNAL_WAKEUP_MS = 300
# At quit, how long a window may finish what it is doing after being cancelled.
SHUTDOWN_WAIT_S = 3.0


class Desk(QObject):
    """The running desk of one profile."""

    def __init__(
        self,
        profile: Profile,
        settings: Settings,
        *,
        demo: Demo | None = None,
        tray_available: bool | None = None,
    ) -> None:
        super().__init__()
        # A tray app lives on when its last window closes (the loop must not stop under us).
        QApplication.setQuitOnLastWindowClosed(False)
        self.profile = profile
        self.settings = settings
        self.demo = demo
        self._quit = asyncio.Event()
        self.status = DeskStatus(self)
        self.windows = WindowList()
        self.window_state = WindowState(profile)
        self.tray = Tray(self.status, self.windows, tray_available=tray_available)
        self.tray.quit_requested.connect(self.request_quit)
        self.ipc = IpcServer(profile, self.handle_command, self)
        self.crash_handler = CrashHandler(profile.logs_dir / log_setup.LOG_FILE)
        self._wakeup = QTimer(self)
        self._wakeup.setInterval(SIGNAL_WAKEUP_MS)
        self._wakeup.timeout.connect(lambda: None)
        self._previous_handlers: dict[int, Any] = {}
        self.started = asyncio.Event()
        self.http: httpx.AsyncClient | None = None
        self.listener: Listener | None = None
        self.contacts: ContactDirectory | None = None
        self.call_log: CallLog | None = None
        self.campaigns: CampaignStore | None = None
        self.campaign_reports: ReportFollower | None = None
        self.campaigns_window: CampaignsWindow | None = None
        self.settings_window: SettingsWindow | None = None
        self.dial: DialWindow | None = None
        self.sms: SmsWindow | None = None
        self.employees: EmployeesWindow | None = None
        self.history: HistoryWindow | None = None
        self.missed_window: MissedCallsWindow | None = None
        self.contacts_window: ContactsWindow | None = None
        self.balance: BalanceMonitor | None = None
        self.tracker: CallTracker | None = None
        self.dispatcher: CallDispatcher | None = None
        self.cards: CardStack | None = None
        self.missed: MissedCalls | None = None
        self._tasks: set[asyncio.Task] = set()
        self._listener_lock = asyncio.Lock()
        self._cached_api_token: str | None = None

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
            try:
                await self.start()
            except Exception as exc:  # a broken database, an unreadable profile...
                log.exception("the desk could not start")
                explain_and_wait(self.tr("Gravitel Desk could not start: {error}").format(error=error_text(exc)))
                return 1
            self.started.set()
            await self._quit.wait()
        finally:
            await self.shutdown()
        return 0

    async def start(self) -> None:
        self.http = make_http_client()
        if self.demo is not None:
            self.settings = await self.demo.start()
        self.contacts = ContactDirectory(self.profile.db_path)
        self.call_log = CallLog(self.profile.db_path, auto_create_contacts=self.settings.popup.auto_create_contacts)
        self.campaigns = CampaignStore(self.profile.db_path)
        self.campaign_reports = ReportFollower(self.campaigns, self.settings.campaigns.callback_rules)
        self.campaign_reports.catch_up(self.profile.db_path)  # reports journaled while the desk stopped
        self._build_windows()
        self._build_cards()
        self._refresh_pbx_status()
        self.balance.start()
        self.spawn(self._load_employees())
        await self._start_listener()
        if self.demo is not None and self.listener is not None and self.listener.url:
            self.demo.connect(self.listener.url)
            self.spawn(self.demo.queue_campaign(self.campaigns, self.pbx_client()))
        self.tray.show()
        log.info("desk started on profile %s", self.profile.root)

    async def shutdown(self) -> None:
        """Stop everything in an order where nothing outlives what it uses; the
        single-instance lock goes last, so a new start cannot race the old one's port."""
        self._wakeup.stop()
        self._restore_signal_handlers()
        self.tray.hide()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.cards is not None:
            self.cards.close()
        windows = self._windows()
        for window in windows:
            window.close()  # saves its geometry
            for action in window.findChildren(AsyncAction) + window.findChildren(PbxRequests):
                action.cancel()  # an open question box closes with its action
            if hasattr(window, "wait_idle"):
                try:
                    await asyncio.wait_for(window.wait_idle(), SHUTDOWN_WAIT_S)
                except TimeoutError:  # e.g. an import in a worker thread: its own connection
                    log.warning("%s still busy at quit", window.objectName())
        if self.balance is not None:
            await self.balance.close()
        if self.listener is not None:
            await self.listener.close()
        if self.demo is not None:
            await self.demo.close()
        if self.http is not None:
            await self.http.aclose()
        for store in (self.call_log, self.contacts, self.campaigns):
            if store is not None:
                store.close()
        for window in windows:
            window.deleteLater()
        self.tray.dispose()
        await self.ipc.close()
        self.crash_handler.uninstall()
        log.info("desk stopped")

    # -- windows ---------------------------------------------------------------------------

    def _build_windows(self) -> None:
        common = dict(contacts=self.contacts, call_log=self.call_log, window_state=self.window_state)
        self.dial = DialWindow(self.pbx_client, self.settings, **common)
        self.sms = SmsWindow(self.pbx_client, self.settings, **common)
        self.employees = EmployeesWindow(self.pbx_client, window_state=self.window_state)
        self.settings_window = SettingsWindow(self.profile, self.settings, self.window_state)
        self.settings_window.settings_saved.connect(self._on_settings_saved)
        self.settings_window.tokens_changed.connect(self._on_tokens_changed)
        gate = BalanceGate(lambda: self.pbx_client().balance(), state_file=self.profile.root / "balance.json")
        self.balance = BalanceMonitor(gate, self.settings.ui.balance_warn_below)
        self.balance.changed.connect(lambda: self.status.update(balance=self.balance.text))
        self.tray.status_window.add_widget(BalanceLabel(self.balance))
        self.history = HistoryWindow(self.pbx_client, self.recording_fetcher, contacts=self.contacts,
                                     call_log=self.call_log, window_state=self.window_state)
        self.history.call_requested.connect(lambda number: self.spawn(self.place_call(number)))
        self.windows.add(lambda: self.tr("Call"), lambda: present(self.dial))
        self.windows.add(lambda: self.tr("Send SMS"), lambda: present(self.sms))
        self.windows.add(lambda: self.tr("Call history"), lambda: present(self.history))
        self.windows.add(lambda: self.tr("Missed calls"), self.show_missed_calls)
        self.windows.add(lambda: self.tr("Employees and caller IDs"), lambda: present(self.employees))
        assert self.campaigns is not None
        self.campaigns_window = CampaignsWindow(self.campaigns, self.profile.db_path, self.pbx_client, self.settings,
                                                self.profile.config_path, window_state=self.window_state,
                                                shared=self._shared_callbacks())
        self.campaigns_window.call_requested.connect(lambda number: self.spawn(self.place_call(number)))
        self.campaigns_window.settings_saved.connect(self._on_settings_saved)
        self.windows.add(lambda: self.tr("Robot campaigns"), lambda: present(self.campaigns_window))
        self.windows.add(lambda: self.tr("Settings"), lambda: present(self.settings_window))
        self.tray.primary_activated.connect(lambda: present(self.dial))

    def _build_cards(self) -> None:
        assert self.contacts is not None
        self.tracker = CallTracker.from_settings(self.settings)
        self.dispatcher = CallDispatcher(self.call_log, self.tracker, self.campaign_reports)
        self.missed = MissedCalls(self.contacts.name_for, parent=self)
        self.missed.track(self.tracker)
        self.missed.changed.connect(lambda: self.tray.set_missed_count(self.missed.unseen))
        self.tracker.on_missed.append(self._notify_missed)
        self.cards = CardStack(self.tracker, self.settings, contacts=self.contacts, call_log=self.call_log,
                               parent=self)
        self.cards.call_back_requested.connect(lambda number: self.spawn(self.place_call(number)))
        self.cards.sms_requested.connect(self.prepare_sms)
        self.tray.do_not_disturb_toggled.connect(self.cards.set_do_not_disturb)
        self.missed_window = MissedCallsWindow(self.missed, self.window_state)
        self.missed_window.call_back_requested.connect(lambda number: self.spawn(self._call_back_missed(number)))
        self.tray.missed_activated.connect(self.show_missed_calls)
        self.contacts_window = ContactsWindow(self.contacts, self.profile.db_path, pbx=self.pbx_client,
                                              window_state=self.window_state)
        self.contacts_window.contacts_changed.connect(self.cards.refresh_contacts)
        self.contacts_window.call_requested.connect(lambda number: self.spawn(self.place_call(number)))
        self.contacts_window.sms_requested.connect(self.prepare_sms)
        self.cards.create_contact_requested.connect(self.contacts_window.create_contact)
        self.cards.edit_contact_requested.connect(self.contacts_window.edit_contact)
        self.windows.add(lambda: self.tr("Contacts"), lambda: present(self.contacts_window))

    def _shared_callbacks(self) -> RelayCallbacks | None:
        """In relay mode the office's call-back list, through the relay (decided at start)."""
        url = self.settings.relay.url
        if not url or self.http is None:
            return None
        try:
            token = secret_store.get_token(self.profile, "relay")
        except secret_store.SecretStoreError as exc:
            log.warning("no shared call-back list: %s", exc)
            return None
        return RelayCallbacks(self.http, url, token) if token else None

    def _windows(self) -> list:
        windows = (self.dial, self.sms, self.history, self.missed_window, self.contacts_window, self.employees,
                   self.campaigns_window,
                   self.settings_window)
        return [w for w in windows if w is not None]

    def show_missed_calls(self) -> None:
        assert self.missed_window is not None and self.missed is not None
        present(self.missed_window)
        self.missed.mark_seen()

    def prepare_sms(self, number: str) -> None:
        assert self.sms is not None
        self.sms.prepare(number=number)
        present(self.sms)

    def _notify_missed(self, missed: MissedCall) -> None:
        caller = phone.display(missed.number or missed.client or "")
        self.tray.notify(self.tr("Missed call"), caller or self.tr("Unknown number"))

    async def _load_employees(self) -> None:
        """Managers' names for the caller cards; the cards show extensions until this answers."""
        try:
            employees = await self.pbx_client().accounts()
        except UserError as exc:
            log.info("employees not loaded: %s", exc)
            return
        names = {e.extension: e.name for e in employees}
        if self.cards is not None:
            self.cards.set_employees(names)
        if self.contacts_window is not None:
            self.contacts_window.set_employees(names)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run ``coro`` in the background; it is cancelled on quit and its errors are logged."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    # -- the PBX -------------------------------------------------------------------------

    def _api_token(self) -> str:
        """The api token, read from the keyring once and again only when tokens change: a
        keyring that prompts or stalls must not do so on every request of the GUI thread."""
        if self._cached_api_token is None:
            self._cached_api_token = secret_store.get_token(self.profile, "api") or ""
        return self._cached_api_token

    def pbx_client(self) -> PbxClient:
        """A client for the current settings and token; a UserError says what is missing."""
        assert self.http is not None
        return PbxClient.from_settings(self.http, self.settings, self._api_token())

    def recording_fetcher(self) -> RecordingFetcher:
        assert self.http is not None
        return RecordingFetcher.from_settings(self.http, self.settings, self._api_token() or None,
                                              self.profile.recordings_dir)

    def _refresh_pbx_status(self) -> None:
        try:
            client = self.pbx_client()
        except UserError as exc:
            self.status.update(pbx=error_text(exc))
            return
        self.status.update(pbx=client.domain)

    # -- the listener --------------------------------------------------------------------

    async def _start_listener(self) -> None:
        if self.listener is not None:
            await self.listener.close()
            self.listener = None
        try:
            crm_token = secret_store.get_token(self.profile, "crm")
        except secret_store.SecretStoreError as exc:
            self.status.update(listener=error_text(exc), listener_url="")
            return
        assert self.contacts is not None and self.dispatcher is not None
        contacts = self.contacts
        self.listener = Listener.from_settings(
            self.settings, self.profile, crm_token,
            client_lookup=lambda request: contacts.lookup_client(request.client),
            on_webhook=self.dispatcher,
            on_state=self._on_listener_state,
        )
        try:
            await self.listener.start()
        except UserError as exc:
            log.warning("listener not started: %s", exc)
            self._on_listener_state(self.listener.state)

    def _on_listener_state(self, state: ListenerState) -> None:
        if state.running:
            text = self.tr("running, {count} webhooks").format(count=state.webhooks_received)
            if state.last_webhook_at:
                when = QDateTime.fromSecsSinceEpoch(int(state.last_webhook_at)).toString("HH:mm:ss")
                text += self.tr(", the last at {time}").format(time=when)
            if state.errors:
                text += self.tr(", {errors} refused").format(errors=state.errors)
        else:
            text = tr_text(state.error) if state.error else self.tr("stopped")
        self.status.update(listener=text, listener_url=state.url or "")
        if self.settings_window is not None:
            self.settings_window.show_listener_state(state)

    # -- settings ------------------------------------------------------------------------

    @Slot(object)
    def _on_settings_saved(self, new: Settings) -> None:
        old, self.settings = self.settings, new
        if self.call_log is not None:
            self.call_log.auto_create_contacts = new.popup.auto_create_contacts
        for window in (self.dial, self.sms):
            if window is not None:
                window.apply_settings(new)
        if self.balance is not None:
            self.balance.warn_below = new.ui.balance_warn_below
        if self.cards is not None:
            self.cards.apply_settings(new)
        if self.campaign_reports is not None:
            self.campaign_reports.set_rules(new.campaigns.callback_rules)
        if self.campaigns_window is not None:
            self.campaigns_window.apply_settings(new)
        if self.settings_window is not None:
            self.settings_window.saved_elsewhere(new)
        if new.pbx != old.pbx:
            self._pbx_account_changed()
        if new.listener != old.listener:
            self._restart_listener()

    @Slot()
    def _on_tokens_changed(self) -> None:
        self._cached_api_token = None
        self._pbx_account_changed()
        self._restart_listener()

    def _pbx_account_changed(self) -> None:
        """Another PBX, domain or token: what was loaded from the old one is loaded again."""
        self._refresh_pbx_status()
        if self.dial is not None:
            self.dial.forget_numbers()
        self.spawn(self._load_employees())

    def _restart_listener(self) -> None:
        """Restarts run one after another: two quick saves must not leave two listeners."""

        async def restart() -> None:
            async with self._listener_lock:
                await self._start_listener()

        self.spawn(restart())

    # -- commands from later starts --------------------------------------------------------

    async def handle_command(self, argv: list[str]) -> tuple[bool, str]:
        """A command forwarded by a later start of the same profile."""
        if not argv or argv[0] == "show":
            self.tray.show_status_window()  # a second start shows that the desk is already here
            return True, ""
        if argv[0] == "call" and len(argv) >= 2:
            clid = argv[argv.index("--clid") + 1] if "--clid" in argv[2:-1] else None
            return await self.place_call(argv[1], clid)
        if argv[0] == "sms" and len(argv) == 3:
            return await self.send_sms(argv[1], argv[2])
        return False, self.tr("Unknown command: {command}").format(command=argv[0])

    async def place_call(self, number: str, clid: str | None = None) -> tuple[bool, str]:
        """``tel:`` links, call-back buttons and ``gravitel-desk call``: the dial window's path.
        The result goes to the tray; a failure, or a desk without tray notifications, opens
        the dial window, which shows it next to the number."""
        assert self.dial is not None
        ok, message = await self.dial.call(number, clid)
        self._report(self.dial, self.tr("Call"), ok, message)
        return ok, message

    async def send_sms(self, number: str, text: str) -> tuple[bool, str]:
        assert self.sms is not None
        ok, message = await self.sms.send(number, text)
        self._report(self.sms, self.tr("SMS"), ok, message)
        return ok, message

    def _report(self, window: QWidget, title: str, ok: bool, message: str) -> None:
        if ok and self.tray.can_notify:
            self.tray.notify(title, message)
        else:
            present(window)

    async def _call_back_missed(self, number: str) -> None:
        ok, _ = await self.place_call(number)
        if ok and self.missed is not None:
            self.missed.resolve_number(number)

    def _install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous_handlers[signum] = signal.signal(signum, lambda *_: self.request_quit())
        self._wakeup.start()

    def _restore_signal_handlers(self) -> None:
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers.clear()


def explain_and_wait(text: str) -> None:
    """The desk cannot start: say why on stderr and, with a screen, in a box to acknowledge."""
    print(f"gravitel-desk: {text}", file=sys.stderr)
    if not msgbox.is_headless():
        QMessageBox(QMessageBox.Icon.Critical, DISPLAY_NAME, text).exec()


def _settings_or_explain(profile: Profile) -> Settings | None:
    try:
        return settings_module.load(profile.config_path)
    except SettingsError as exc:
        log.error("%s", exc)
        explain_and_wait(i18n.error_text(exc))
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
    i18n.install(app)  # the system's language, until the settings say otherwise
    settings = _settings_or_explain(profile)
    if settings is None:
        return 2
    i18n.install(app, settings.ui.language)
    desk = Desk(profile, settings, demo=Demo(profile) if demo else None)
    return qasync.run(desk.run())
