"""Call history (seed §3.2.3): load a period from the PBX, search, sort, call back, export,
and listen to recordings.

Recordings are always fetched with :meth:`RecordingFetcher.fetch` (token only to allowed
hosts, TLS verified, cached in the profile) and played from that local file: QtMultimedia's
FFmpeg backend does not verify TLS, so it never sees the URL.

On a machine without a sound device QtMultimedia still plays (silently, on the system
clock) and reaches the end of the media; the window says that nothing will be heard.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import (
    QDateTime,
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTime,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QCloseEvent,
    QFontMetrics,
    QGuiApplication,
    QHideEvent,
    QKeyEvent,
    QShowEvent,
)
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.calls.call_log import CallLog, LoggedCall
from desktop_app.contacts.directory import ContactDirectory
from desktop_app.core.csv_export import CsvEncoding, write_csv
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError
from desktop_app.gui.common import csv_formats
from desktop_app.gui.common.async_action import AsyncAction, show_result
from desktop_app.gui.common.file_dialogs import FileDialogs, documents_dir
from desktop_app.gui.common.window_state import WindowState, remember
from desktop_app.gui.shell.i18n import error_text
from desktop_app.gui.windows.history_model import (
    CLIENT,
    COLUMN_COUNT,
    CONTACT,
    DURATION,
    EXTENSION,
    RECORD,
    RUSSIAN_TIME,
    TIME,
    TYPE,
    VIA,
    WAIT,
    HistoryFilterProxy,
    HistoryModel,
    HistoryRow,
    RowBuilder,
    format_seconds,
    iter_rows,
    local_matches,
    newest_first,
    period_range,
    time_format,
)
from desktop_app.pbx.client import PbxSource
from desktop_app.pbx.recordings import RecordingFetcher
from desktop_app.pbx.types import HistoryPeriod, HistoryType

log = logging.getLogger(__name__)

# Each returns the object to use now, or raises a UserError saying why there is none
# (the token or the settings may change while the app runs).
RecordingSource = Callable[[], RecordingFetcher]
# (caption, suggested path, name filter, called with the chosen path): must not block.
SaveAsker = Callable[[str, Path, str, Callable[[Path], None]], None]

_CTX = "HistoryWindow"
MAX_LIMIT = 1_000_000
SEARCH_DELAY_MS = 250
BUILD_CHUNK = 1000  # rows built between two returns to the event loop


class HistoryError(UserError):
    def __init__(self, source: str, **args: object) -> None:
        super().__init__(Text(_CTX, source, args))


@dataclass(frozen=True)
class HistoryRequest:
    """What Load asks for: a named period, or start/end (both aware), a type and a limit."""

    period: HistoryPeriod | None
    start: datetime | None
    end: datetime | None
    type: HistoryType
    limit: int | None

    def local_bounds(self, now: datetime | None = None) -> tuple[datetime | None, datetime | None, bool]:
        """``(start, end, end_inclusive)`` for the calls of the local log."""
        if self.period is not None:
            start, end = period_range(self.period, now or datetime.now())
            return start, end, False
        return self.start, self.end, True


@dataclass(frozen=True)
class LoadResult:
    request: HistoryRequest
    rows: list[HistoryRow]
    from_pbx: int


def _partial(path: Path) -> Path:
    """Where a file is written before it takes its name, so a failure leaves no half file."""
    return path.with_name(f".{path.name}.{os.getpid()}.part")


def copy_file(source: Path, target: Path) -> None:
    tmp = _partial(Path(target))
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class HistoryWindow(QWidget):
    """The PBX's call history with the calls the desk saw itself.

    Signals:
        call_requested(str): call this client back (``+79991234567``, or an extension).
        loaded(int): a load finished with this many rows.
    """

    call_requested = Signal(str)
    loaded = Signal(int)

    def __init__(
        self,
        pbx: PbxSource,
        recordings: RecordingSource | None = None,
        *,
        contacts: ContactDirectory | None = None,
        call_log: CallLog | None = None,
        window_state: WindowState | None = None,
        save_dir: Path | None = None,
        load_on_show: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        """``save_dir``: where save dialogs start (default: Documents). ``load_on_show``: the first
        time the window shows, load the chosen period (today) without waiting for Load."""
        super().__init__(parent)
        self.setObjectName("HistoryWindow")
        self.setWindowTitle(self.tr("Call history"))
        self._pbx = pbx
        self._recordings = recordings
        self._contacts = contacts
        self._call_log = call_log
        self._save_dir = save_dir
        self._load_on_show = load_on_show
        self.dialogs = FileDialogs(self)
        self.ask_save_path: SaveAsker = self.dialogs.ask_save
        self._loaded_request: HistoryRequest | None = None
        self._player: QMediaPlayer | None = None
        self._audio: QAudioOutput | None = None
        self._playing_row: HistoryRow | None = None

        self.model = HistoryModel(self)
        self.model.record_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MediaVolume)
        self.proxy = HistoryFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.loader = AsyncAction(self)
        self.loader.busy_changed.connect(self._on_load_busy)
        self.loader.succeeded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.loader.cancelled.connect(self._on_load_cancelled)
        self.fetcher = AsyncAction(self)
        self.fetcher.busy_changed.connect(self._on_fetch_busy)
        self.fetcher.succeeded.connect(self._on_fetched)
        self.fetcher.failed.connect(lambda text: show_result(self.record_status, text, False))
        self.fetcher.cancelled.connect(lambda: show_result(self.record_status, self.tr("Cancelled."), True))
        self.exporter = AsyncAction(self)
        self.exporter.busy_changed.connect(lambda _busy: self._update_counts())
        self.exporter.succeeded.connect(self._on_exported)
        self.exporter.failed.connect(lambda text: show_result(self.export_status, text, False))

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)

        self._build()
        self._on_period_changed()
        self._update_counts()
        self._update_record_buttons()
        remember(self, window_state, (1180, 680))

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)

        period_row = QHBoxLayout()
        self.period = QComboBox()
        for text, value in (
            (self.tr("Today"), HistoryPeriod.TODAY),
            (self.tr("Yesterday"), HistoryPeriod.YESTERDAY),
            (self.tr("This week"), HistoryPeriod.THIS_WEEK),
            (self.tr("Last week"), HistoryPeriod.LAST_WEEK),
            (self.tr("This month"), HistoryPeriod.THIS_MONTH),
            (self.tr("Last month"), HistoryPeriod.LAST_MONTH),
            (self.tr("Custom dates"), None),
        ):
            self.period.addItem(text, value)
        self.period.currentIndexChanged.connect(self._on_period_changed)
        self._last_preset = HistoryPeriod.TODAY
        period_row.addWidget(self._label(self.tr("&Period:"), self.period))
        period_row.addWidget(self.period)
        today = QDateTime.currentDateTime()
        today.setTime(QTime(0, 0))
        self.start_edit = self._date_edit(today)
        self.end_edit = self._date_edit(today.addDays(1).addSecs(-1))
        period_row.addWidget(self._label(self.tr("&From:"), self.start_edit))
        period_row.addWidget(self.start_edit)
        period_row.addWidget(self._label(self.tr("&To:"), self.end_edit))
        period_row.addWidget(self.end_edit)
        period_row.addStretch(1)
        layout.addLayout(period_row)

        load_row = QHBoxLayout()
        self.type = QComboBox()
        for text, value in (
            (self.tr("All calls"), HistoryType.ALL),
            (self.tr("Incoming"), HistoryType.IN),
            (self.tr("Outgoing"), HistoryType.OUT),
            (self.tr("Missed"), HistoryType.MISSED),
        ):
            self.type.addItem(text, value)
        self.type.currentIndexChanged.connect(self._on_type_changed)
        load_row.addWidget(self._label(self.tr("T&ype:"), self.type))
        load_row.addWidget(self.type)
        self.limit = QSpinBox()
        self.limit.setRange(0, MAX_LIMIT)
        self.limit.setSingleStep(100)
        self.limit.setSpecialValueText(self.tr("no limit"))
        self.limit.setGroupSeparatorShown(True)
        load_row.addWidget(self._label(self.tr("Li&mit:"), self.limit))
        load_row.addWidget(self.limit)
        self.load_button = QPushButton(self.tr("&Load"))
        self.load_button.clicked.connect(self.load)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.loader.cancel)
        self.cancel_button.setEnabled(False)
        load_row.addWidget(self.load_button)
        load_row.addWidget(self.cancel_button)
        self.load_status = QLabel()
        self.load_status.setWordWrap(True)
        self.load_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        load_row.addWidget(self.load_status, 1)
        layout.addLayout(load_row)

        search_row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Number in any form, or a name"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        search_row.addWidget(self._label(self.tr("&Search:"), self.search))
        search_row.addWidget(self.search, 2)
        self.count_label = QLabel()
        search_row.addWidget(self.count_label)
        search_row.addStretch(1)
        self.export_button = QPushButton(self.tr("&Export CSV…"))
        self.export_button.clicked.connect(lambda: self.export_csv())
        search_row.addWidget(self.export_button)
        self.export_status = QLabel()
        self.export_status.setWordWrap(True)
        self.export_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        search_row.addWidget(self.export_status, 1)
        layout.addLayout(search_row)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        vertical = self.table.verticalHeader()
        vertical.hide()
        # Fixed row heights: the view never measures 100,000 rows.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        self._size_columns(header)
        header.setSortIndicator(TIME, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_record_buttons())
        self.proxy.modelReset.connect(self._update_counts)
        self.proxy.layoutChanged.connect(self._update_counts)
        self.proxy.rowsInserted.connect(self._update_counts)
        self.proxy.rowsRemoved.connect(self._update_counts)
        # A filter may hide the current row: the recording buttons follow.
        self.proxy.layoutChanged.connect(self._update_record_buttons)
        self.proxy.modelReset.connect(self._update_record_buttons)
        layout.addWidget(self.table, 1)

        player_row = QHBoxLayout()
        self.play_button = QPushButton()
        self.play_button.clicked.connect(self.play_selected)
        player_row.addWidget(self.play_button)
        self.position = QSlider(Qt.Orientation.Horizontal)
        self.position.setRange(0, 0)
        self.position.setSingleStep(1000)
        self.position.setPageStep(5000)
        self.position.setAccessibleName(self.tr("Position in the recording"))
        self.position.sliderMoved.connect(self._show_time)
        self.position.sliderReleased.connect(lambda: self.seek(self.position.value()))
        self.position.actionTriggered.connect(self._on_slider_action)
        player_row.addWidget(self.position, 1)
        self.time_label = QLabel()
        player_row.addWidget(self.time_label)
        self.download_button = QPushButton(self.tr("&Download…"))
        self.download_button.clicked.connect(lambda: self.download_recording())
        player_row.addWidget(self.download_button)
        self.copy_button = QPushButton(self.tr("&Copy link"))
        self.copy_button.clicked.connect(self.copy_link)
        player_row.addWidget(self.copy_button)
        layout.addLayout(player_row)
        self.record_status = QLabel()
        self.record_status.setWordWrap(True)
        self.record_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.record_status)
        self._show_time()
        self._show_play_state()
        self.search.installEventFilter(self)
        self.table.installEventFilter(self)
        self.table.viewport().installEventFilter(self)

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _date_edit(self, value: QDateTime) -> QDateTimeEdit:
        edit = QDateTimeEdit(value)
        edit.setCalendarPopup(True)
        # The same day-month order as the table's times.
        edit.setDisplayFormat("dd.MM.yyyy HH:mm" if time_format(self.locale()) == RUSSIAN_TIME
                              else "yyyy-MM-dd HH:mm")
        return edit

    def _size_columns(self, header: QHeaderView) -> None:
        """Widths from sample texts: measuring 100,000 rows (ResizeToContents) would stall the view."""
        metrics = QFontMetrics(self.table.font())
        header_metrics = QFontMetrics(header.font())
        samples = {
            TIME: "00.00.0000 00:00:00",
            TYPE: max((self.model.kind_label(k) for k in ("in", "out", "missed")), key=metrics.horizontalAdvance),
            CLIENT: "+7 999 999-99-99",
            CONTACT: "Комаров Николай Иванович",
            EXTENSION: "000000",
            VIA: "+7 999 999-99-99",
            WAIT: "00:00",
            DURATION: "0:00:00",
            RECORD: "",
        }
        for column in range(COLUMN_COUNT):
            # Room for the cell's margins, and in the header for the sort arrow.
            width = max(metrics.horizontalAdvance(samples[column]) + 16,
                        header_metrics.horizontalAdvance(self.model.header(column)) + 28)
            header.resizeSection(column, width)
        self._contact_width = header.sectionSize(CONTACT)

    def _fit_contact_column(self) -> None:
        """Give the contact column the room left in the view, never less than its sample's width
        (a stretched column would be squeezed to nothing by long headers in other languages)."""
        header = self.table.horizontalHeader()
        others = sum(header.sectionSize(c) for c in range(COLUMN_COUNT)
                     if c != CONTACT and not header.isSectionHidden(c))
        header.resizeSection(CONTACT, max(self._contact_width, self.table.viewport().width() - others))

    # -- loading -----------------------------------------------------------------------

    def request(self) -> HistoryRequest:
        """What the controls ask for. Raises HistoryError when the dates make no period."""
        period = self.chosen_period()
        kind = self.chosen_type()
        limit = self.limit.value() or None
        if period is not None:
            return HistoryRequest(period, None, None, kind, limit)
        start = datetime.fromtimestamp(self.start_edit.dateTime().toSecsSinceEpoch(), timezone.utc)
        # Minutes are what the operator sees: "to 18:30" includes the whole minute.
        end = datetime.fromtimestamp(self.end_edit.dateTime().toSecsSinceEpoch(), timezone.utc) + timedelta(seconds=59)
        if start > end:
            raise HistoryError(QT_TRANSLATE_NOOP("HistoryWindow", "The start of the period is after its end."))
        return HistoryRequest(None, start, end, kind, limit)

    def chosen_period(self) -> HistoryPeriod | None:
        """The preset chosen, or None for custom dates."""
        value = self.period.currentData()
        return None if value is None else HistoryPeriod.parse(value, "period")

    def chosen_type(self) -> HistoryType:
        return HistoryType.parse(self.type.currentData(), "type")

    @Slot()
    def load(self) -> None:
        """Load the chosen period in the background (Load button, Enter)."""
        if self.loader.busy:
            return
        try:
            request = self.request()
        except UserError as exc:
            show_result(self.load_status, error_text(exc), False)
            return
        show_result(self.load_status, self.tr("Loading…"), True)
        self.loader.start(self._load(request))

    async def _load(self, request: HistoryRequest) -> LoadResult:
        client = self._pbx()
        records = await client.history(period=request.period, start=request.start, end=request.end,
                                       type=request.type, limit=request.limit)
        local = self._local_calls(request)
        builder = RowBuilder(self._contact_name, time_format(self.locale()))
        rows: list[HistoryRow] = []
        for count, row in enumerate(iter_rows(builder, records, local), 1):
            rows.append(row)
            if count % BUILD_CHUNK == 0:
                await asyncio.sleep(0)  # stay responsive and cancellable on large loads
        return LoadResult(request, newest_first(rows, request.limit), len(records))

    def _local_calls(self, request: HistoryRequest) -> list[LoggedCall]:
        if self._call_log is None:
            return []
        start, end, inclusive = request.local_bounds()
        return [call for call in self._call_log.all_calls(since=start)
                if local_matches(call, start, end, request.type, end_inclusive=inclusive)]

    def _contact_name(self, number: str) -> str:
        return self._contacts.name_for(number) if self._contacts is not None else ""

    @Slot(bool)
    def _on_load_busy(self, busy: bool) -> None:
        self.load_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    @Slot(object)
    def _on_loaded(self, result: LoadResult) -> None:
        self._loaded_request = result.request
        self.model.set_rows(result.rows)
        log.info("history loaded: %d calls, %d of them from the PBX", len(result.rows), result.from_pbx)
        text = self.tr("{count} calls loaded.").format(count=len(result.rows))
        limit = result.request.limit
        if limit is not None and result.from_pbx >= limit:
            text += " " + self.tr("The PBX sent the newest {limit} calls: raise the limit to see more.").format(limit=limit)
        show_result(self.load_status, text, True)
        self._update_record_buttons()
        self.loaded.emit(len(result.rows))

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        show_result(self.load_status, self.tr("Could not load the history: {error}").format(error=message), False)

    @Slot()
    def _on_load_cancelled(self) -> None:
        show_result(self.load_status, self.tr("Loading cancelled."), True)

    @Slot()
    def _on_period_changed(self) -> None:
        period = self.chosen_period()
        custom = period is None
        if custom:
            # Start from the period chosen before, which the operator can then adjust.
            start, end = period_range(self._last_preset, datetime.now())
            self.start_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp())))
            self.end_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(end.timestamp()) - 60))
        else:
            self._last_preset = period
        self.start_edit.setEnabled(custom)
        self.end_edit.setEnabled(custom)

    @Slot()
    def _on_type_changed(self) -> None:
        kind = self.chosen_type()
        self.proxy.set_type(kind)
        loaded = self._loaded_request
        if loaded is not None and loaded.type not in (HistoryType.ALL, kind):
            show_result(self.load_status, self.tr("Press Load to fetch calls of this type."), True)

    # -- search and counts -------------------------------------------------------------

    @Slot()
    def apply_search(self) -> None:
        self._search_timer.stop()
        self.proxy.set_search(self.search.text())

    @Slot()
    def _update_counts(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.export_button.setEnabled(shown > 0 and not self.exporter.busy)
        if shown == total:
            self.count_label.setText(self.tr("{total} calls").format(total=total))
        else:
            self.count_label.setText(self.tr("{shown} of {total} calls").format(shown=shown, total=total))

    # -- rows ----------------------------------------------------------------------------

    def current_row(self) -> HistoryRow | None:
        return self.proxy.row_at(self.table.currentIndex())

    def select_row(self, proxy_row: int) -> None:
        self.table.selectRow(proxy_row)
        self.table.setCurrentIndex(self.proxy.index(proxy_row, 0))

    @Slot()
    def call_back(self) -> None:
        """Ask the app to call the current row's client (double-click, Enter in the table)."""
        row = self.current_row()
        number = row.dial_number if row is not None else None
        if number is None:
            show_result(self.load_status, self.tr("This call has no number to call back."), False)
            return
        self.call_requested.emit(number)

    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        self.table.setCurrentIndex(index)
        self.call_back()

    # -- export ----------------------------------------------------------------------------

    @property
    def save_dialog(self) -> QFileDialog | None:
        return self.dialogs.dialog

    @property
    def csv_encoding(self) -> CsvEncoding:
        return self.dialogs.csv_encoding

    def export_csv(self, path: Path | None = None, encoding: CsvEncoding | None = None) -> None:
        """Write the visible rows and columns as CSV; without ``path`` ask where (non-blocking).
        ``encoding``: by default the one chosen in the last save dialog (UTF-8 at first)."""
        if path is None:
            name = f"calls-{datetime.now():%Y-%m-%d}.csv"
            self.ask_save_path(self.tr("Export calls"), documents_dir(self._save_dir) / name,
                               csv_formats.name_filters(self.csv_encoding), self.export_csv)
            return
        encoding = encoding or self.csv_encoding
        header = self.table.horizontalHeader()
        columns = [header.logicalIndex(v) for v in range(header.count())]
        columns = [c for c in columns if not header.isSectionHidden(c)]
        titles = [self.model.header(c) for c in columns]
        kinds = {kind: self.model.kind_label(kind) for kind in ("in", "out", "missed", "unknown")}
        rows = self.proxy.visible_rows()
        show_result(self.export_status, self.tr("Exporting…"), True)
        self.exporter.start(self._export(Path(path), titles, columns, kinds, rows, encoding))

    async def _export(self, path: Path, titles: list[str], columns: list[int], kinds: dict[str, str],
                      rows: list[HistoryRow], encoding: CsvEncoding) -> tuple[Path, int]:
        def cell(row: HistoryRow, column: int) -> str:
            if column == TYPE:
                return kinds[row.kind]
            if column == RECORD:
                return row.record_url
            if column == WAIT:
                return format_seconds(row.wait, hours=True)
            if column == DURATION:
                return format_seconds(row.duration, hours=True)
            return row.texts[column]

        # Every cell is guarded against formulas: a number or a name as it came from the PBX.
        lines = ([cell(row, c) for c in columns] for row in rows)
        await asyncio.to_thread(write_csv, path, titles, lines, encoding=encoding)
        return path, len(rows)

    @Slot(object)
    def _on_exported(self, result: tuple[Path, int]) -> None:
        path, count = result
        text = self.tr("{count} calls saved to {path}").format(count=count, path=str(path))
        show_result(self.export_status, text, True)

    # -- recordings ----------------------------------------------------------------------

    @property
    def player(self) -> QMediaPlayer:
        """The player, made on first use (no media backend is started for a window never played)."""
        if self._player is None:
            self._player = QMediaPlayer(self)
            # Without an audio output the FFmpeg backend never reports the end of the media.
            self._audio = QAudioOutput(self)
            self._player.setAudioOutput(self._audio)
            self._player.durationChanged.connect(self._on_duration)
            self._player.positionChanged.connect(self._on_position)
            self._player.playbackStateChanged.connect(self._show_play_state)
            self._player.mediaStatusChanged.connect(self._on_media_status)
            self._player.errorOccurred.connect(self._on_player_error)
        return self._player

    def _fetcher_now(self) -> RecordingFetcher:
        if self._recordings is None:
            raise HistoryError(QT_TRANSLATE_NOOP(
                "HistoryWindow", "Recordings are not available: the PBX is not set up."))
        return self._recordings()

    def _recorded_row(self) -> HistoryRow | None:
        row = self.current_row()
        if row is None or not row.record_url:
            show_result(self.record_status, self.tr("Choose a call with a recording."), False)
            return None
        return row

    @Slot()
    def play_selected(self) -> None:
        """Play the current row's recording; Pause/Play the one loaded when it is that one,
        or when the current row has none (the playing row may be filtered out of sight)."""
        if self.fetcher.busy:
            return
        row = self.current_row()
        chosen = row if row is not None and row.record_url else None
        if self._loaded_here(chosen):
            player = self.player
            if player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
                player.pause()
            else:
                player.play()
            return
        chosen = self._recorded_row()
        if chosen is None:
            return
        show_result(self.record_status, self.tr("Downloading the recording…"), True)
        self.fetcher.start(self._fetch("play", chosen))

    def _loaded_here(self, chosen: HistoryRow | None) -> bool:
        """Whether the Play button acts on the recording already in the player."""
        if self._player is None or self._playing_row is None:
            return False
        return chosen is None or chosen.record_url == self._playing_row.record_url

    def download_recording(self, path: Path | None = None) -> None:
        """Save the current row's recording to a file; without ``path`` ask where (non-blocking)."""
        row = self._recorded_row()
        if row is None or self.fetcher.busy:
            return
        if path is None:
            self.ask_save_path(self.tr("Save the recording"), documents_dir(self._save_dir) / self._recording_name(row),
                               self.tr("Audio files (*{suffix})").format(suffix=self._suffix(row.record_url)),
                               lambda chosen: self._download_row(row, chosen))
            return
        self._download_row(row, Path(path))

    def _download_row(self, row: HistoryRow, path: Path) -> None:
        if self.fetcher.busy:
            return
        show_result(self.record_status, self.tr("Downloading the recording…"), True)
        self.fetcher.start(self._fetch("save", row, path))

    async def _fetch(self, purpose: str, row: HistoryRow, target: Path | None = None) -> tuple[str, HistoryRow, Path]:
        cached = await self._fetcher_now().fetch(row.record_url)
        if target is None:
            return purpose, row, cached
        try:
            await asyncio.to_thread(copy_file, cached, target)
        except OSError as exc:
            raise HistoryError(QT_TRANSLATE_NOOP("HistoryWindow", "Cannot write {path}: {reason}"),
                               path=str(target), reason=exc.strerror or str(exc)) from None
        return purpose, row, target

    @Slot(object)
    def _on_fetched(self, result: tuple[str, HistoryRow, Path]) -> None:
        purpose, row, path = result
        if purpose == "save":
            show_result(self.record_status, self.tr("Recording saved to {path}").format(path=str(path)), True)
            return
        player = self.player
        player.stop()
        self._playing_row = row
        player.setSource(QUrl.fromLocalFile(str(path)))
        player.play()
        caption = self.tr("Recording of {time}, {client}.").format(
            time=row.texts[TIME], client=row.contact or row.texts[CLIENT] or "?")
        if not QMediaDevices.audioOutputs():
            # The player still runs (silently, to its end): say why nothing is heard.
            show_result(self.record_status, caption + " " + self.tr(
                "No sound device was found: nothing will be heard. Download the recording to play it elsewhere."),
                False)
        else:
            show_result(self.record_status, caption, True)
        self._update_record_buttons()

    @Slot(bool)
    def _on_fetch_busy(self, busy: bool) -> None:
        self._update_record_buttons()

    @Slot()
    def copy_link(self) -> None:
        row = self._recorded_row()
        if row is None:
            return
        QGuiApplication.clipboard().setText(row.record_url)
        show_result(self.record_status, self.tr("Link copied."), True)

    def seek(self, position_ms: int) -> None:
        if self._player is not None:
            self._player.setPosition(max(0, int(position_ms)))

    @Slot(int)
    def _on_slider_action(self, action: int) -> None:
        # Dragging seeks on release; keys, clicks beside the handle and the wheel seek at once.
        if action != QAbstractSlider.SliderAction.SliderMove.value or not self.position.isSliderDown():
            self.seek(self.position.sliderPosition())

    @Slot("qint64")
    def _on_duration(self, duration: int) -> None:
        self.position.setRange(0, max(0, int(duration)))
        self._show_time()

    @Slot("qint64")
    def _on_position(self, position: int) -> None:
        if not self.position.isSliderDown():
            self.position.setValue(int(position))
            self._show_time()

    @Slot()
    def _show_time(self, *_args: object) -> None:
        self.time_label.setText(f"{format_seconds(self.position.sliderPosition() // 1000)} / "
                                f"{format_seconds(self.position.maximum() // 1000)}")

    @Slot()
    def _show_play_state(self, *_args: object) -> None:
        row = self.current_row()
        playing = self._player is not None and \
            self._player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        style = self.style()
        if playing and self._loaded_here(row if row is not None and row.record_url else None):
            self.play_button.setText(self.tr("Pa&use"))
            self.play_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        else:
            self.play_button.setText(self.tr("Pl&ay"))
            self.play_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))

    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self.position.setValue(self.position.maximum())
            self._show_time()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._on_player_error(self.player.error(), self.player.errorString())

    def _on_player_error(self, error: QMediaPlayer.Error, text: str) -> None:
        """One message for both ways the player reports a bad file (an error, an invalid medium)."""
        reason = text or (error.name if error != QMediaPlayer.Error.NoError else "")
        log.warning("recording cannot be played: %s", reason or "invalid media")
        show_result(self.record_status, self.tr("Cannot play the recording: {error}").format(error=reason)
                    if reason else self.tr("This recording cannot be played."), False)

    def _update_record_buttons(self) -> None:
        row = self.current_row()
        has = row is not None and bool(row.record_url)
        idle = not self.fetcher.busy
        self.play_button.setEnabled(idle and (has or self._playing_row is not None))
        self.download_button.setEnabled(has and idle)
        self.copy_button.setEnabled(has)
        self._show_play_state()

    # -- files -----------------------------------------------------------------------------

    @staticmethod
    def _suffix(url: str) -> str:
        suffix = Path(urlsplit(url).path).suffix.lower()
        return suffix if 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ".mp3"

    def _recording_name(self, row: HistoryRow) -> str:
        when = datetime.fromtimestamp(row.start).strftime("%Y-%m-%d_%H-%M-%S") if row.start is not None else "call"
        who = "".join(ch for ch in (row.client or row.call_id) if ch.isalnum())
        return f"{when}_{who}{self._suffix(row.record_url)}"

    # -- keys and lifetime -----------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Enter in the search field applies the search; in the table it calls the row back.
        Resizing the table refits the contact column."""
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self._fit_contact_column()
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if watched is self.search:
                self.apply_search()
                return True
            if watched is self.table:
                self.call_back()
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Enter anywhere else loads; Esc cancels a load or closes the window."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.load()
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            self.escape()
            event.accept()
            return
        super().keyPressEvent(event)

    @Slot()
    def escape(self) -> None:
        """Esc cancels a load in progress; otherwise it closes the window."""
        if self.loader.busy:
            self.loader.cancel()
        else:
            self.close()

    async def wait_idle(self) -> None:
        """For shutdown and tests: wait until no load, download or export runs."""
        await self.loader.wait()
        await self.fetcher.wait()
        await self.exporter.wait()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._load_on_show and self._loaded_request is None and not self.loader.busy:
            self._load_on_show = False
            self.load()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        self.fetcher.cancel()  # a recording still downloading must not start playing unseen
        if self._player is not None:
            self._player.pause()  # a hidden window does not go on talking
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._player is not None:
            self._player.stop()
        super().closeEvent(event)
