"""Robot campaigns (seed §3.1.4, §3.2.10-3.2.13): queue calls from a spreadsheet, follow
each one, call back those a rule picks.

Tabs: **Queue** (load a CSV, see the first rows and every problem, send in batches; one
call by hand), **Calls** (the campaign's calls as stored, updated live from the robot's
reports, filtered by state and result, with totals; ask the PBX, delete, export),
**Call-backs** (the work list the rules fill: call, mark done), **Rules**.

With an office relay (``shared``), the Call-backs tab is the relay's list, shared by every
desk (its rules, everyone's done marks; read again every :data:`SHARED_REFRESH_S` while the
window is open), and the calls this desk queues are told to the relay first.

The calls live in the profile's database (:class:`~desktop_app.campaigns.store.CampaignStore`,
the app's, on this thread); reading a file and exporting run in worker threads with
their own connection to ``db_path``. One PBX operation runs at a time (send, status,
delete, one call); it can be cancelled, and a send cancelled between two batches keeps
what went through.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLocale, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.campaigns import rules as campaign_rules
from desktop_app.campaigns.call_list import CallList, new_call_id, read_call_list
from desktop_app.campaigns.relay_client import RelayCallbacks
from desktop_app.campaigns.results_export import export_results
from desktop_app.campaigns.sending import CampaignSender, SendReport
from desktop_app.campaigns.store import CallState, CampaignStore, NewCall
from desktop_app.contacts.directory import display_number
from desktop_app.core import settings as settings_module
from desktop_app.core.csv_export import CsvEncoding
from desktop_app.core.phone import InvalidNumber, dial_form, is_extension, normalize
from desktop_app.core.settings import CallbackRule, Settings
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError
from desktop_app.gui.common import csv_formats, msgbox
from desktop_app.gui.common.async_action import AsyncAction, show_result
from desktop_app.gui.common.file_dialogs import FileDialogs, PathAsker, documents_dir
from desktop_app.gui.common.window_state import WindowState, remember
from desktop_app.gui.shell.i18n import error_text, tr_text
from desktop_app.gui.windows.campaign_rules_tab import RulesTab
from desktop_app.gui.windows.campaign_tables import (
    ID_SAMPLE,
    NUMBER_SAMPLE,
    WHEN_SAMPLE,
    CallbacksModel,
    CallsModel,
    result_name,
    result_samples,
    size_columns,
    state_name,
    state_samples,
)
from desktop_app.pbx.client import PbxSource
from desktop_app.webhooks.types import CampaignResult

log = logging.getLogger(__name__)

_CTX = "CampaignsWindow"
PREVIEW_ROWS = 50
# The Calls tab shows this many calls at most: a reload on every burst of reports stays
# quick, and the filters and totals still cover the whole campaign.
SHOWN_CALLS = 5000
MAX_CAMPAIGN = 2_000_000_000
REFRESH_DELAY_MS = 300  # live reports arrive in bursts: one table reload per burst
SHARED_REFRESH_S = 20  # how often the relay's call-back list is read while the window is open
Confirm = Callable[[str, str, str], Awaitable[bool]]


class CampaignsError(UserError):
    def __init__(self, source: str, **args: object) -> None:
        super().__init__(Text(_CTX, source, args))


def read_in_thread(db_path: Path, path: Path, campaign: int) -> CallList:
    """Read a call list on a worker thread, with its own connection to the database."""
    try:
        with CampaignStore(db_path) as store:
            return read_call_list(path, campaign, known_ids=store.known_ids,
                                  waiting_numbers=store.waiting_numbers(campaign))
    except sqlite3.Error as exc:
        raise _database_error(exc) from exc


def export_in_thread(db_path: Path, campaign: int, path: Path, encoding: CsvEncoding) -> int:
    try:
        with CampaignStore(db_path) as store:
            return export_results(store, campaign, path, encoding)
    except sqlite3.Error as exc:
        raise _database_error(exc) from exc


def _database_error(exc: sqlite3.Error) -> UserError:
    log.warning("campaigns database: %s", exc)
    return CampaignsError(QT_TRANSLATE_NOOP("CampaignsWindow", "The campaigns database failed: {reason}"),
                          reason=str(exc))


def parse_vars(text: str) -> dict[str, str]:
    """``name=Иван Петров; date=15.03`` -> ``{"name": "Иван Петров", "date": "15.03"}``."""
    found: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise CampaignsError(QT_TRANSLATE_NOOP(
                "CampaignsWindow", "Write the variables as name=value, separated by semicolons: {part}"),
                part=part.strip())
        found[key.strip()] = value.strip()
    return found


def _label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # file names, the PBX's words: never markup
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _table_view(model: Any) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    table.horizontalHeader().setHighlightSections(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class CampaignsWindow(QWidget):
    """See the module docstring. ``settings`` give the batch size, the rules and the
    operator's extension (who marked a call-back done); ``config_path`` is where the Rules
    tab saves them. ``ask_open_path`` / ``ask_save_path`` and ``confirm`` are replaced in tests.

    Signals:
        call_requested(str): call this number back (``+79991234567``).
        settings_saved(object): the Rules tab saved new Settings to ``config_path``.
    """

    call_requested = Signal(str)
    settings_saved = Signal(object)

    def __init__(
        self,
        store: CampaignStore,
        db_path: Path,
        pbx: PbxSource,
        settings: Settings,
        config_path: Path,
        *,
        window_state: WindowState | None = None,
        confirm: Confirm | None = None,
        files_dir: Path | None = None,
        shared: RelayCallbacks | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("CampaignsWindow")
        self.setWindowTitle(self.tr("Robot campaigns"))
        self._store = store
        self._db_path = Path(db_path)
        self._pbx = pbx
        self._settings = settings
        self._config_path = config_path
        self._confirm = confirm or self.ask
        self._files_dir = files_dir
        self._shared = shared
        self._shared_items: list[Any] = []
        self._dirty = True
        self.call_list: CallList | None = None
        self.dialogs = FileDialogs(self)
        self.ask_open_path: PathAsker = self.dialogs.ask_open
        self.ask_save_path: PathAsker = self.dialogs.ask_save
        self.confirm_box: QMessageBox | None = None

        self.calls_model = CallsModel(self)
        self.callbacks_model = CallbacksModel(self)
        self.pbx_action = AsyncAction(self)  # send, status, delete, one call: one at a time
        self.pbx_action.busy_changed.connect(self._on_pbx_busy)
        self.pbx_action.succeeded.connect(self._on_pbx_done)
        self.pbx_action.failed.connect(self._on_pbx_failed)
        self.pbx_action.cancelled.connect(self._on_pbx_cancelled)
        self.files = AsyncAction(self)  # reading a list, exporting
        self.files.busy_changed.connect(lambda _busy: self._update_buttons())
        self.files.succeeded.connect(self._on_files_done)
        self.files.failed.connect(self._on_files_failed)
        self.shared_action = AsyncAction(self)  # the relay's call-back list: read, mark
        self.shared_action.succeeded.connect(self._on_shared_done)
        self.shared_action.failed.connect(lambda text: show_result(self.callbacks_count, text, False))
        self._shared_timer = QTimer(self)
        self._shared_timer.setInterval(SHARED_REFRESH_S * 1000)
        self._shared_timer.timeout.connect(self.refresh_shared)
        self._result_label: QLabel | None = None

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(REFRESH_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        on_change = self._on_store_changed
        store.on_change.append(on_change)
        # The store outlives a window that is deleted (tests, a rebuilt window): let go of it.
        self.destroyed.connect(lambda *_: on_change in store.on_change and store.on_change.remove(on_change))

        self._build()
        self.rules_tab.set_rules(settings.campaigns.callback_rules)
        last = store.last_campaign()
        if last is not None:
            self.campaign.setValue(last)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.escape)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, activated=self.reload)
        self._update_buttons()
        remember(self, window_state, (1120, 660))

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.campaign = QSpinBox()
        self.campaign.setRange(1, MAX_CAMPAIGN)
        self.campaign.setAccessibleName(self.tr("Campaign id"))
        self.campaign.setMinimumWidth(self.fontMetrics().averageCharWidth() * 14)
        self.campaign.valueChanged.connect(self._on_campaign_changed)
        label = QLabel(self.tr("Ca&mpaign id:"))
        label.setBuddy(self.campaign)
        top.addWidget(label)
        top.addWidget(self.campaign)
        self.known_campaigns = _label()
        top.addWidget(self.known_campaigns, 1)
        layout.addLayout(top)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_queue(), self.tr("&Queue"))
        self.tabs.addTab(self._build_calls(), self.tr("C&alls"))
        self.tabs.addTab(self._build_callbacks(), self.tr("Call-&backs"))
        self.rules_tab = RulesTab(self._save_rules)
        if self._shared is not None:
            self.rules_tab.setEnabled(False)
            self.rules_tab.setToolTip(self.tr(
                "This desk works with the office relay: its shared call-back list follows the relay's rules "
                "(the relay's config.toml)."))
        self.tabs.addTab(self.rules_tab, self.tr("&Rules"))
        self.tabs.currentChanged.connect(lambda _index: self._update_buttons())
        layout.addWidget(self.tabs, 1)

        status = QHBoxLayout()
        self.result = _label()
        status.addWidget(self.result, 1)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(self.fontMetrics().averageCharWidth() * 30)
        self.progress.hide()
        status.addWidget(self.progress)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        status.addWidget(self.cancel_button)
        layout.addLayout(status)

    def _build_queue(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        self.load_button = QPushButton(self.tr("&Load a CSV file…"))
        self.load_button.clicked.connect(lambda: self.load_file())
        row.addWidget(self.load_button)
        self.list_summary = _label(self.tr(
            "Columns: the number (Number, Phone, Телефон), optionally the call's id (Id), and the scenario's "
            "variables, one column each, named as in the scenario."))
        row.addWidget(self.list_summary, 1)
        layout.addLayout(row)
        self.preview = QTableWidget(0, 0)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.preview.setTabKeyNavigation(False)
        self.preview.verticalHeader().hide()
        self.preview.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.preview.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.preview.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.preview, 3)
        self.problems = QPlainTextEdit()
        self.problems.setReadOnly(True)
        self.problems.setAccessibleName(self.tr("Rows with problems"))
        self.problems.setMaximumHeight(self.fontMetrics().lineSpacing() * 7 + 12)
        self.problems.hide()
        layout.addWidget(self.problems, 1)
        send_row = QHBoxLayout()
        self.send_button = QPushButton()
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        self.discard_button = QPushButton(self.tr("&Discard the file"))
        self.discard_button.clicked.connect(self.discard_file)
        send_row.addWidget(self.send_button)
        send_row.addWidget(self.discard_button)
        send_row.addStretch(1)
        layout.addLayout(send_row)

        one = QGroupBox(self.tr("One call"))
        form = QHBoxLayout(one)
        self.one_number = QLineEdit()
        self.one_number.setPlaceholderText(self.tr("+7 999 123-45-67"))
        self.one_number.returnPressed.connect(self.queue_one)
        self.one_id = QLineEdit()
        self.one_id.setPlaceholderText(self.tr("optional"))
        self.one_vars = QLineEdit()
        self.one_vars.setPlaceholderText(self.tr("name=Иван Петров; date=15.03"))
        self.one_vars.returnPressed.connect(self.queue_one)
        self.one_button = QPushButton(self.tr("Queue this &call"))
        self.one_button.clicked.connect(self.queue_one)
        char = self.fontMetrics().averageCharWidth()
        self.one_number.setMinimumWidth(char * 20)
        self.one_id.setMinimumWidth(char * 16)
        for text, widget, stretch in ((self.tr("&Number:"), self.one_number, 2), (self.tr("&Id:"), self.one_id, 2),
                                      (self.tr("&Variables:"), self.one_vars, 4)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addWidget(label)
            form.addWidget(widget, stretch)
        form.addWidget(self.one_button)
        layout.addWidget(one)
        return page

    def _build_calls(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        filters = QHBoxLayout()
        self.state_filter = QComboBox()
        self.state_filter.addItem(self.tr("All states"), None)
        for state in CallState:
            self.state_filter.addItem(state_name(state), state)
        self.state_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.result_filter = QComboBox()
        self.result_filter.addItem(self.tr("All results"), None)
        for result in (*campaign_rules.RESULT_WORDS.values(), CampaignResult.UNKNOWN):
            self.result_filter.addItem(result_name(result), result)
        self.result_filter.addItem(result_name(None), "")
        self.result_filter.currentIndexChanged.connect(lambda _i: self.reload())
        for text, widget in ((self.tr("&State:"), self.state_filter), (self.tr("Res&ult:"), self.result_filter)):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addStretch(1)
        layout.addLayout(filters)
        self.totals = _label()
        layout.addWidget(self.totals)
        self.calls_table = _table_view(self.calls_model)
        self.calls_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        size_columns(self.calls_table, {
            CallsModel.ID: [ID_SAMPLE], CallsModel.NUMBER: [NUMBER_SAMPLE], CallsModel.STATE: state_samples(),
            CallsModel.RESULT: result_samples(), CallsModel.ATTEMPTS: ["99"], CallsModel.DURATION: ["00:00"],
            CallsModel.WHEN: [WHEN_SAMPLE], CallsModel.ERROR: ["x" * 14]})
        layout.addWidget(self.calls_table, 1)
        buttons = QHBoxLayout()
        self.status_button = QPushButton(self.tr("Ask the &PBX for their state"))
        self.status_button.clicked.connect(self.ask_status)
        self.delete_button = QPushButton(self.tr("&Delete from the queue"))
        self.delete_button.clicked.connect(self.delete_selected)
        self.resend_button = QPushButton()
        self.resend_button.clicked.connect(self.send)
        self.export_button = QPushButton(self.tr("E&xport CSV…"))
        self.export_button.clicked.connect(lambda: self.export_csv())
        for button in (self.status_button, self.delete_button, self.resend_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)
        return page

    def _build_callbacks(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        top = QHBoxLayout()
        self.callbacks_count = _label()
        top.addWidget(self.callbacks_count, 1)
        self.show_done = QCheckBox(self.tr("Show &done"))
        self.show_done.toggled.connect(
            lambda _on: self._show_callbacks(self._shared_items) if self._shared is not None else self.reload())
        top.addWidget(self.show_done)
        layout.addLayout(top)
        self.callbacks_table = _table_view(self.callbacks_model)
        self.callbacks_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.callbacks_table.doubleClicked.connect(lambda _index: self.call_selected())
        size_columns(self.callbacks_table, {
            CallbacksModel.NUMBER: [NUMBER_SAMPLE], CallbacksModel.RULE: ["x" * 24],
            CallbacksModel.RESULT: result_samples(), CallbacksModel.WHEN: [WHEN_SAMPLE],
            CallbacksModel.CAMPAIGN: ["999999"], CallbacksModel.DONE: [WHEN_SAMPLE + ", 7001"]})
        layout.addWidget(self.callbacks_table, 1)
        buttons = QHBoxLayout()
        self.call_button = QPushButton(self.tr("&Call"))
        self.call_button.clicked.connect(self.call_selected)
        self.done_button = QPushButton(self.tr("Mark d&one"))
        self.done_button.clicked.connect(self.toggle_done)
        buttons.addWidget(self.call_button)
        buttons.addWidget(self.done_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return page

    # -- settings --------------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        """New settings (saved here or in the Settings window): rules, batch size, extension."""
        old_rules = self._settings.campaigns.callback_rules
        self._settings = settings
        if settings.campaigns.callback_rules != old_rules:  # edited in config.toml, or by another window
            self.rules_tab.set_rules(settings.campaigns.callback_rules)
            self._store.pick_callbacks(campaign_rules.picker(settings.campaigns.callback_rules))

    def _save_rules(self, rules: list[CallbackRule]) -> int:
        """Save the rules with the settings and apply them to the reports already here;
        returns how many calls that put on the call-back list."""
        data = settings_module.to_dict(self._settings)
        data["campaigns"]["callback_rules"] = [dataclasses.asdict(rule) for rule in rules]
        new = settings_module.from_dict(data, self._config_path)
        try:
            settings_module.save(new, self._config_path)
        except OSError as exc:
            raise CampaignsError(QT_TRANSLATE_NOOP("CampaignsWindow", "Could not save {file}: {reason}"),
                                 file=str(self._config_path), reason=exc.strerror or str(exc)) from exc
        self._settings = new
        added = self._store.pick_callbacks(campaign_rules.picker(new.campaigns.callback_rules))
        self.settings_saved.emit(new)
        return added

    # -- the queue -------------------------------------------------------------------------

    @property
    def file_dialog(self) -> QFileDialog | None:
        return self.dialogs.dialog

    @property
    def csv_encoding(self) -> CsvEncoding:
        return self.dialogs.csv_encoding

    @property
    def campaign_id(self) -> int:
        return self.campaign.value()

    def load_file(self, path: Path | None = None) -> None:
        """Read a call list for the chosen campaign and show it; without ``path`` ask which."""
        if self.files.busy:
            return
        if path is None:
            self.ask_open_path(self.tr("Load a call list"), documents_dir(self._files_dir),
                               self.tr("Call lists (*.csv *.txt);;All files (*)"), self.load_file)
            return
        path = Path(path)
        self._show(self.tr("Reading {file}…").format(file=path.name), True)
        self.files.start(self._read(path, self.campaign_id))

    async def _read(self, path: Path, campaign: int) -> tuple[str, Any]:
        return "read", await asyncio.to_thread(read_in_thread, self._db_path, path, campaign)

    def show_call_list(self, call_list: CallList) -> None:
        self.call_list = call_list
        self.list_summary.setText(tr_text(call_list.summary()))
        columns = [self.tr("Line"), self.tr("Id"), self.tr("Number"), *call_list.var_columns]
        shown = call_list.calls[:PREVIEW_ROWS]
        self.preview.clear()
        self.preview.setColumnCount(len(columns))
        self.preview.setHorizontalHeaderLabels(columns)
        self.preview.setRowCount(len(shown))
        for row, listed in enumerate(shown):
            call = listed.call
            cells = [str(listed.line), call.id, display_number(call.number),
                     *(str(call.vars.get(name, "")) for name in call_list.var_columns)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 1 and listed.generated_id:
                    item.setToolTip(self.tr("Made up by the desk: the file has no id for this row"))
                self.preview.setItem(row, column, item)
        self.preview.resizeColumnsToContents()
        lines = [tr_text(problem.text()) for problem in call_list.problems]
        if call_list.problem_count > len(call_list.problems):
            lines.append(self.tr("… and {count} more rows with problems").format(
                count=call_list.problem_count - len(call_list.problems)))
        self.problems.setPlainText("\n".join(lines))
        self.problems.setVisible(bool(lines))
        if len(call_list.calls) > PREVIEW_ROWS:
            self._show(self.tr("The first {shown} of {count} calls are shown.").format(
                shown=PREVIEW_ROWS, count=len(call_list.calls)), True)
        self._update_buttons()

    @Slot()
    def discard_file(self) -> None:
        self.call_list = None
        self.preview.clear()
        self.preview.setRowCount(0)
        self.preview.setColumnCount(0)
        self.problems.clear()
        self.problems.hide()
        self.list_summary.setText("")
        self._update_buttons()

    def _unsent(self) -> int:
        return self._store.unsent_count(self.campaign_id)

    @Slot()
    def send(self) -> None:
        """Store the loaded list (if any) and send every unsent call of the campaign."""
        if self.pbx_action.busy:
            return
        campaign = self.campaign_id
        call_list = self.call_list
        if call_list is not None and call_list.campaign != campaign:
            self._show(self.tr("The list was read for campaign {list}, not {chosen}: load it again.").format(
                list=call_list.campaign, chosen=campaign), False)
            return
        if call_list is not None and call_list.calls:
            try:
                self._store.add_calls(campaign, [listed.call for listed in call_list.calls])
            except sqlite3.IntegrityError:
                # Another queue of the same file (the command line?) stored these ids meanwhile.
                self._show(self.tr("Some of these calls were queued meanwhile: load the file again."), False)
                return
            except sqlite3.Error as exc:
                self._show(error_text(_database_error(exc)), False)
                return
            self.discard_file()
        total = self._unsent()
        if not total:
            self._show(self.tr("Nothing to send: every call of the campaign is queued."), True)
            return
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self._show(self.tr("Sending {count} calls…").format(count=total), True)
        self.pbx_action.start(self._send(campaign))

    async def _send(self, campaign: int) -> tuple[str, Any]:
        sender = CampaignSender(self._store, self._pbx(), batch_size=self._settings.campaigns.batch_size)
        warning = await self._tell_relay(campaign, [NewCall(c.call_id, c.number, c.vars)
                                                    for c in self._store.unsent(campaign)])
        report = await sender.send(campaign, progress=lambda done, total: self.progress.setValue(done))
        return "send", (report, warning)

    async def _tell_relay(self, campaign: int, calls: list[NewCall]) -> str:
        """With a relay, tell it the calls first (its call-back list shows their numbers);
        a relay that cannot be reached does not stop the sending: the reason is returned."""
        if self._shared is None or not calls:
            return ""
        try:
            await self._shared.register(campaign, calls)
        except UserError as exc:
            log.warning("calls not told to the relay: %s", exc)
            return self.tr("The relay's call-back list will not show these numbers: {error}").format(
                error=error_text(exc))
        return ""

    @Slot()
    def queue_one(self) -> None:
        """Queue the one call typed in the Queue tab with ``campaign/call``."""
        if self.pbx_action.busy:
            return
        try:
            call = self._one_call()
        except UserError as exc:
            self._show(error_text(exc), False)
            return
        self._show(self.tr("Queueing a call to {number}…").format(number=display_number(call.number)), True)
        self.pbx_action.start(self._queue_one(self.campaign_id, call))

    def _one_call(self) -> NewCall:
        raw = self.one_number.text().strip()
        try:
            number = normalize(raw)
        except InvalidNumber:
            raise CampaignsError(QT_TRANSLATE_NOOP("CampaignsWindow", "Not a phone number: {number}"),
                                 number=raw) from None
        if is_extension(number):
            raise CampaignsError(QT_TRANSLATE_NOOP(
                "CampaignsWindow", "{number} is an extension: the robot calls outside numbers"), number=raw)
        campaign = self.campaign_id
        waiting = self._store.waiting_numbers(campaign).get(number)
        if waiting is not None:  # a second press, or the number came with a file
            raise CampaignsError(QT_TRANSLATE_NOOP(
                "CampaignsWindow", "The number {number} is still waiting in campaign {campaign} (call {id})"),
                number=raw, campaign=campaign, id=waiting)
        call_id = self.one_id.text().strip() or new_call_id(campaign)
        if self._store.known_ids([call_id]):
            raise CampaignsError(QT_TRANSLATE_NOOP("CampaignsWindow", "The id {id} was queued before"), id=call_id)
        return NewCall(call_id, number, parse_vars(self.one_vars.text()))

    async def _queue_one(self, campaign: int, call: NewCall) -> tuple[str, Any]:
        sender = CampaignSender(self._store, self._pbx(), batch_size=self._settings.campaigns.batch_size)
        warning = await self._tell_relay(campaign, [call])
        await sender.send_one(campaign, call)
        return "one", (call, warning)

    # -- following ---------------------------------------------------------------------------

    @Slot()
    def reload(self) -> None:
        """Read the tables again from the database."""
        self._reload_timer.stop()
        self._dirty = False
        campaign = self.campaign_id
        states = [self.state_filter.currentData()] if self.state_filter.currentData() is not None else []
        chosen = self.result_filter.currentData()
        results = [] if chosen is None else [None] if chosen == "" else [chosen]
        selected = self.selected_call()
        self.calls_model.set_calls(self._store.calls(campaign, states=states, results=results, limit=SHOWN_CALLS))
        # "Why not sent" only while some call was not: otherwise the answers get its room.
        self.calls_table.setColumnHidden(CallsModel.ERROR, not any(call.error for call in self.calls_model.calls))
        if selected is not None:
            self.select_call(selected.call_id)
        totals = self._totals_text(self._store.totals(campaign))
        if self.calls_model.rowCount() == SHOWN_CALLS:
            matching = self._store.count(campaign, states=states, results=results)
            if matching > SHOWN_CALLS:
                totals += "\n" + self.tr("The first {shown} of {count} calls are listed: filter by state or result "
                                         "to see the others.").format(shown=SHOWN_CALLS, count=matching)
        self.totals.setText(totals)
        if self._shared is None:
            self._show_callbacks(self._store.callbacks(include_done=True))
        known = self._store.campaigns()
        self.known_campaigns.setText(self.tr("Campaigns with calls here: {ids}").format(
            ids=", ".join(map(str, known))) if known else "")
        self._update_buttons()

    def _show_callbacks(self, items: list[Any]) -> None:
        """The work list (all of it, done ones too): the table shows what "Show done" asks."""
        picked = self.selected_callback()
        self.callbacks_model.set_items([item for item in items if self.show_done.isChecked() or not item.done])
        if picked is not None:
            row = self.callbacks_model.row_of(picked.call_id)
            if row >= 0:
                self.callbacks_table.selectRow(row)
        open_count = sum(1 for item in items if not item.done)
        self.callbacks_count.setText(self.tr("{count} calls to make.").format(count=open_count) if open_count
                                     else self.tr("No one to call back."))
        self.callbacks_count.setStyleSheet("")
        self.tabs.setTabText(2, self.tr("Call-&backs ({count})").format(count=open_count) if open_count
                             else self.tr("Call-&backs"))
        self._update_buttons()

    @Slot()
    def refresh_shared(self) -> None:
        """Read the relay's call-back list again (nothing without a relay)."""
        if self._shared is not None and not self.shared_action.busy:
            self.shared_action.start(self._read_shared())

    async def _read_shared(self) -> tuple[str, Any]:
        assert self._shared is not None
        return "list", await self._shared.list(include_done=True)

    async def _mark_shared(self, call_id: str, done: bool) -> tuple[str, Any]:
        assert self._shared is not None
        changed = await self._shared.mark(call_id, done)
        return "marked", (changed, await self._shared.list(include_done=True))

    @Slot(object)
    def _on_shared_done(self, outcome: tuple[str, Any]) -> None:
        kind, value = outcome
        if kind == "marked":
            changed, value = value
            if not changed:
                self._show(self.tr("Someone marked it already."), True)
        self._shared_items = value
        self._show_callbacks(value)

    def _totals_text(self, totals: dict[str, int]) -> str:
        locale = QLocale()
        if not totals.get("all"):
            return self.tr("No calls in this campaign yet.")
        parts = [self.tr("Calls: {count}").format(count=locale.toString(totals["all"]))]
        for result in (*campaign_rules.RESULT_WORDS.values(), CampaignResult.UNKNOWN):
            count = totals.get(f"result:{result.value}", 0)
            if count:
                parts.append(f"{result_name(result)}: {locale.toString(count)}")
        waiting = totals.get("result:", 0)
        if waiting:
            parts.append(f"{result_name(None)}: {locale.toString(waiting)}")
        unsent = totals.get(f"state:{CallState.PENDING.value}", 0) + totals.get(f"state:{CallState.FAILED.value}", 0)
        if unsent:
            parts.append(self.tr("not sent: {count}").format(count=locale.toString(unsent)))
        return " · ".join(parts)

    def _on_store_changed(self) -> None:
        if self.isVisible():
            self._reload_timer.start()
        else:
            self._dirty = True

    @Slot(int)
    def _on_campaign_changed(self, _value: int) -> None:
        if self.call_list is not None and self.call_list.campaign != self.campaign_id:
            self.discard_file()  # its duplicate checks were for the other campaign
        self.reload()

    def selected_call(self) -> Any:
        rows = self.calls_table.selectionModel().selectedRows()
        return self.calls_model.call(rows[0].row()) if rows else None

    def select_call(self, call_id: str) -> bool:
        row = self.calls_model.row_of(call_id)
        if row < 0:
            return False
        self.calls_table.selectRow(row)
        return True

    @Slot()
    def ask_status(self) -> None:
        """Ask the PBX about the selected call, or every call still waiting."""
        if self.pbx_action.busy:
            return
        call = self.selected_call()
        ids = [call.call_id] if call is not None and call.state not in (CallState.PENDING, CallState.FAILED) else None
        self._show(self.tr("Asking the PBX…"), True)
        self.progress.setRange(0, 0)
        self.pbx_action.start(self._ask_status(self.campaign_id, ids))

    async def _ask_status(self, campaign: int, ids: list[str] | None) -> tuple[str, Any]:
        sender = CampaignSender(self._store, self._pbx(), batch_size=self._settings.campaigns.batch_size)

        def progress(done: int, total: int) -> None:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

        return "status", await sender.refresh(campaign, ids, progress=progress)

    @Slot()
    def delete_selected(self) -> None:
        """Take the selected call out of the PBX's queue (after confirming)."""
        call = self.selected_call()
        if call is None or self.pbx_action.busy or call.state in (CallState.DONE, CallState.DELETED):
            return
        self.pbx_action.start(self._delete(self.campaign_id, call.call_id, call.number))

    async def _delete(self, campaign: int, call_id: str, number: str) -> tuple[str, Any]:
        question = self.tr("Take the call {id} to {number} out of the queue of campaign {campaign}? "
                           "The robot will not call this number.").format(
            id=call_id, number=display_number(number), campaign=campaign)
        if not await self._confirm(self.tr("Delete a call"), question, self.tr("Delete")):
            return "kept", call_id
        self._show(self.tr("Deleting…"), True)
        sender = CampaignSender(self._store, self._pbx(), batch_size=self._settings.campaigns.batch_size)
        await sender.delete(campaign, call_id)
        return "deleted", call_id

    def export_csv(self, path: Path | None = None, encoding: CsvEncoding | None = None) -> None:
        """Write the campaign's calls with every variable as a column; without ``path`` ask where."""
        if self.files.busy:
            return
        campaign = self.campaign_id
        if path is None:
            name = f"campaign-{campaign}-{datetime.now():%Y-%m-%d}.csv"
            self.ask_save_path(self.tr("Export campaign results"), documents_dir(self._files_dir) / name,
                               csv_formats.name_filters(self.csv_encoding), self.export_csv)
            return
        self._show(self.tr("Exporting…"), True)
        self.files.start(self._export(campaign, Path(path), encoding or self.csv_encoding))

    async def _export(self, campaign: int, path: Path, encoding: CsvEncoding) -> tuple[str, Any]:
        count = await asyncio.to_thread(export_in_thread, self._db_path, campaign, path, encoding)
        return "export", (path, count)

    # -- call-backs --------------------------------------------------------------------------

    def selected_callback(self) -> Any:
        rows = self.callbacks_table.selectionModel().selectedRows()
        return self.callbacks_model.item(rows[0].row()) if rows else None

    @Slot()
    def call_selected(self) -> None:
        item = self.selected_callback()
        if item is not None and item.number:
            self.call_requested.emit(dial_form(item.number))

    @Slot()
    def toggle_done(self) -> None:
        item = self.selected_callback()
        if item is None:
            return
        if self._shared is not None:  # for every desk: through the relay
            if not self.shared_action.busy:
                self.shared_action.start(self._mark_shared(item.call_id, not item.done))
            return
        if not self._store.mark_done(item.call_id, self._settings.pbx.extension, done=not item.done):
            self._show(self.tr("Someone marked it already."), True)
        self.reload()

    # -- outcomes ----------------------------------------------------------------------------

    def _show(self, text: str, ok: bool) -> None:
        show_result(self.result, text, ok)

    @Slot(object)
    def _on_pbx_done(self, outcome: tuple[str, Any]) -> None:
        kind, value = outcome
        if kind == "send":
            report: SendReport
            report, warning = value
            lines = [tr_text(report.summary()), *(tr_text(failure.text()) for failure in report.failures)]
            self._show("\n".join(lines + ([warning] if warning else [])), not report.failures and not warning)
        elif kind == "one":
            call, warning = value
            self.one_number.clear()
            self.one_id.clear()
            self.one_vars.clear()
            text = self.tr("The call to {number} is in the queue of campaign {campaign} (id {id}).").format(
                number=display_number(call.number), campaign=self.campaign_id, id=call.id)
            self._show("\n".join([text, warning]) if warning else text, not warning)
        elif kind == "status":
            self._show(self.tr("The PBX answered for {count} calls.").format(count=value), True)
        elif kind == "deleted":
            self._show(self.tr("The call {id} was taken out of the queue.").format(id=value), True)
        elif kind == "kept":
            self._show("", True)
        self.reload()

    @Slot(str)
    def _on_pbx_failed(self, message: str) -> None:
        self._show(message, False)
        self.reload()

    @Slot()
    def _on_pbx_cancelled(self) -> None:
        self._show(self.tr("Stopped. What the PBX took before is kept; send again for the rest."), False)
        self.reload()

    @Slot(object)
    def _on_files_done(self, outcome: tuple[str, Any]) -> None:
        kind, value = outcome
        if kind == "read":
            self._show("", True)
            self.show_call_list(value)
        else:
            path, count = value
            self._show(self.tr("{count} calls saved to {path}").format(count=count, path=str(path)), True)

    @Slot(str)
    def _on_files_failed(self, message: str) -> None:
        self._show(message, False)

    @Slot(bool)
    def _on_pbx_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.pbx_action.busy
        unsent = self._unsent()
        ready = len(self.call_list.calls) if self.call_list is not None else 0
        if ready:
            self.send_button.setText(self.tr("&Send {count} calls").format(count=ready + unsent))
        elif unsent:
            self.send_button.setText(self.tr("&Send the {count} unsent calls").format(count=unsent))
        else:
            self.send_button.setText(self.tr("&Send"))
        self.send_button.setEnabled(not busy and bool(ready or unsent))
        self.discard_button.setEnabled(self.call_list is not None)
        self.load_button.setEnabled(not self.files.busy)
        self.one_button.setEnabled(not busy)
        self.resend_button.setText(self.tr("Send the {count} unsent calls").format(count=unsent) if unsent
                                   else self.tr("Send the unsent calls"))
        self.resend_button.setEnabled(not busy and bool(unsent))
        call = self.selected_call()
        self.status_button.setEnabled(not busy)
        self.delete_button.setEnabled(not busy and call is not None
                                      and call.state not in (CallState.DONE, CallState.DELETED))
        self.export_button.setEnabled(not self.files.busy)
        item = self.selected_callback()
        self.call_button.setEnabled(item is not None and bool(item.number))
        self.done_button.setEnabled(item is not None)
        self.done_button.setText(self.tr("Not d&one") if item is not None and item.done else self.tr("Mark d&one"))

    # -- files and questions -----------------------------------------------------------------

    async def ask(self, title: str, question: str, button: str) -> bool:
        """A window-modal question that does not block the loop: True when confirmed."""
        return await msgbox.ask(self, title, question, button, track=lambda box: setattr(self, "confirm_box", box))

    # -- lifetime ----------------------------------------------------------------------------

    @Slot()
    def cancel(self) -> None:
        self.pbx_action.cancel()

    @Slot()
    def escape(self) -> None:
        if self.pbx_action.busy:
            self.cancel()
        else:
            self.close()

    async def wait_idle(self) -> None:
        """For shutdown and tests: wait until nothing runs."""
        while self.pbx_action.busy or self.files.busy or self.shared_action.busy:
            await self.pbx_action.wait()
            await self.files.wait()
            await self.shared_action.wait()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._dirty:
            self.reload()
        if self._shared is not None:
            self.refresh_shared()
            self._shared_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        self._reload_timer.stop()
        self._shared_timer.stop()
        super().hideEvent(event)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().closeEvent(event)
