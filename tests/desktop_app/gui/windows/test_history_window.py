"""The history window against the simulator over real HTTP, recordings included.

Playback on this machine: no sound device and no PulseAudio server. QtMultimedia's FFmpeg
backend then plays on the system clock through a QAudioOutput with no device, and still
reports EndOfMedia; the window says nothing will be heard. The tests that play say which
warnings QtMultimedia logs on such a machine (MULTIMEDIA_NOISE) and accept only those.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
from datetime import UTC, datetime, timedelta

import pytest
from gui_helpers import type_text
from PySide6.QtCore import QDateTime, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtMultimedia import QMediaDevices, QMediaPlayer
from PySide6.QtTest import QSignalSpy, QTest
from PySide6.QtWidgets import QAbstractSlider

from desktop_app.contacts.directory import Contact
from desktop_app.core.http_server import HttpServer, Request, Response
from desktop_app.core.texts import Text
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.windows.history_model import CLIENT, DURATION, TIME, WAIT
from desktop_app.gui.windows.history_window import HistoryWindow
from desktop_app.pbx.client import PbxClient, PbxNotConfigured
from desktop_app.pbx.recordings import RecordingFetcher
from desktop_app.pbx.types import HistoryPeriod, HistoryType
from desktop_app.simulator import Delays, Simulator
from desktop_app.simulator.audio import recording_wav

DOMAIN = "test.aicall.ru"  # as in conftest.py
TOKEN = "sim-token"
# A Wednesday afternoon in Moscow: every preset has calls in the simulator's sample month.
NOW = datetime(2024, 3, 13, 12, 0, tzinfo=UTC)
PRESETS = [HistoryPeriod.TODAY, HistoryPeriod.YESTERDAY, HistoryPeriod.THIS_WEEK, HistoryPeriod.LAST_WEEK,
           HistoryPeriod.THIS_MONTH, HistoryPeriod.LAST_MONTH]
NOISE = (
    r"^Couldn't (load|resolve) \S+.* (library|symbols)$",  # optional system libraries probed (PipeWire, VA-API)
    r"^PulseAudioService: pa_context_connect\(\) failed$",  # libpulse0 is installed, no server runs
    r"^No audio device detected$",  # the player goes on silently on the system clock
)
MULTIMEDIA_NOISE = pytest.mark.qt_log_ignore(*NOISE)
HANG_GUARD_SECONDS = 60


@pytest.fixture
async def sim(http):
    # Depends on http so the simulator closes first: its connections end while the loop runs.
    simulator = Simulator(domain=DOMAIN, token=TOKEN, delays=Delays.none(), seed=5, now=lambda: NOW)
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
def fetcher(sim, http, profile):
    return RecordingFetcher(http, TOKEN, sim.url, [], profile.recordings_dir)


@pytest.fixture
async def make_window(qtbot, profile, contacts, call_log, tmp_path):
    made = []

    def make(pbx_source, fetcher_source=None, **kwargs):
        options = {"contacts": contacts, "call_log": call_log, "window_state": WindowState(profile),
                   "save_dir": tmp_path, "load_on_show": False}
        options.update(kwargs)
        window = HistoryWindow(pbx_source, fetcher_source, **options)
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
        await window.wait_idle()


async def load(window, period=None, kind=None):
    if period is not None:
        window.period.setCurrentIndex(window.period.findData(period))
    if kind is not None:
        window.type.setCurrentIndex(window.type.findData(kind))
    window.load()
    await window.wait_idle()


def ids(window):
    return [window.proxy.row(r).call_id for r in range(window.proxy.rowCount())]


def first_recorded(window):
    for r in range(window.proxy.rowCount()):
        if window.proxy.row(r).record_url:
            return r
    raise AssertionError("no call with a recording")


def signal_future(signal, predicate=lambda *args: True):
    """A future resolved with the arguments of the first emission that satisfies ``predicate``."""
    future = asyncio.get_running_loop().create_future()

    def slot(*args):
        if not future.done() and predicate(*args):
            future.set_result(args)

    signal.connect(slot)
    future.add_done_callback(lambda _f: signal.disconnect(slot))
    return future


async def arrival(awaitable):
    """Await a signal or a request; a generous bound turns a hang into a failure (not a timing check)."""
    return await asyncio.wait_for(awaitable, HANG_GUARD_SECONDS)


# -- loading ------------------------------------------------------------------------------


@pytest.mark.parametrize("period", PRESETS)
async def test_each_preset_loads_what_the_pbx_has(period, pbx, make_window):
    window = make_window(lambda: pbx)
    expected = await pbx.history(period=period)
    await load(window, period)
    assert expected, "the sample month has calls in every preset"
    assert sorted(ids(window)) == sorted(record.id for record in expected)
    assert window.load_status.text() == f"{len(expected)} calls loaded."
    assert window.count_label.text() == f"{len(expected)} calls"
    starts = [window.proxy.row(r).start for r in range(window.proxy.rowCount())]
    assert starts == sorted(starts, reverse=True)  # newest first
    assert not window.start_edit.isEnabled()


async def test_first_show_loads_today(pbx, make_window):
    window = make_window(lambda: pbx, load_on_show=True)
    window.show()
    assert window.loader.busy
    await window.wait_idle()
    today = await pbx.history(period=HistoryPeriod.TODAY)
    assert sorted(ids(window)) == sorted(r.id for r in today)
    window.hide()
    window.show()
    assert not window.loader.busy  # only the first time: later shows keep what the operator chose


async def test_custom_dates_load_that_range(pbx, make_window):
    window = make_window(lambda: pbx)
    window.period.setCurrentIndex(window.period.findData(None))
    assert window.start_edit.isEnabled() and window.end_edit.isEnabled()
    start = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
    end = datetime(2024, 3, 6, 17, 30, tzinfo=UTC)
    window.start_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp())))
    window.end_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(end.timestamp())))
    await load(window)
    expected = await pbx.history(start=start, end=end + timedelta(seconds=59))
    assert expected and sorted(ids(window)) == sorted(r.id for r in expected)
    assert all(start.timestamp() <= window.proxy.row(r).start < end.timestamp() + 60 for r in range(len(expected)))


async def test_start_after_end_is_refused_in_words(pbx, make_window):
    window = make_window(lambda: pbx)
    window.period.setCurrentIndex(window.period.findData(None))
    window.end_edit.setDateTime(window.start_edit.dateTime().addDays(-1))
    window.load()
    assert not window.loader.busy
    assert window.load_status.text() == "The start of the period is after its end."
    assert "color" in window.load_status.styleSheet()


async def test_type_and_limit_go_to_the_pbx(pbx, make_window):
    window = make_window(lambda: pbx)
    await load(window, HistoryPeriod.THIS_MONTH, HistoryType.MISSED)
    missed = await pbx.history(period=HistoryPeriod.THIS_MONTH, type=HistoryType.MISSED)
    assert sorted(ids(window)) == sorted(r.id for r in missed)
    assert {window.proxy.index(r, 1).data() for r in range(window.proxy.rowCount())} == {"Missed"}
    window.type.setCurrentIndex(window.type.findData(HistoryType.ALL))
    assert window.load_status.text() == "Press Load to fetch calls of this type."

    window.limit.setValue(5)
    await load(window, HistoryPeriod.THIS_MONTH, HistoryType.ALL)
    assert window.model.rowCount() == 5
    newest = await pbx.history(period=HistoryPeriod.THIS_MONTH, limit=5)
    assert sorted(ids(window)) == sorted(r.id for r in newest)
    assert window.load_status.text() == "5 calls loaded. The PBX sent the newest 5 calls: raise the limit to see more."


async def test_type_filter_applies_at_once(pbx, make_window):
    window = make_window(lambda: pbx)
    await load(window, HistoryPeriod.THIS_MONTH)
    total = window.model.rowCount()
    window.type.setCurrentIndex(window.type.findData(HistoryType.OUT))
    outgoing = window.proxy.rowCount()
    assert 0 < outgoing < total
    assert {window.proxy.row(r).kind for r in range(outgoing)} == {"out"}
    assert window.count_label.text() == f"{outgoing} of {total} calls"
    assert window.load_status.text() == f"{total} calls loaded."  # no reload needed: all were loaded


async def test_local_calls_join_with_contact_names(pbx, make_window, call_log, contacts):
    contacts.add(Contact(name="Петров Иван", phones=("79991234567",)))
    window = make_window(lambda: pbx)
    today_at_pbx = await pbx.history(period=HistoryPeriod.TODAY)
    now = datetime.now(UTC)
    # The same call id as one of the PBX's: one row, the PBX's data.
    call_log.record_history(today_at_pbx[0].id, "in", "success", 1, 1, client="79000000000", when=now)
    call_log.record_history("here-now", "in", "missed", 0, 25, client="8 999 123-45-67", when=now)
    call_log.record_history("here-long-ago", "in", "success", 10, 5, client="79991234567",
                            when=now - timedelta(days=3))
    await load(window, HistoryPeriod.TODAY)
    assert sorted(ids(window)) == sorted([r.id for r in today_at_pbx] + ["here-now"])
    rows = {window.proxy.row(r).call_id: window.proxy.row(r) for r in range(window.proxy.rowCount())}
    assert rows[today_at_pbx[0].id].client == today_at_pbx[0].client
    here = rows["here-now"]
    assert here.kind == "missed" and here.contact == "Петров Иван" and here.texts[CLIENT] == "+7 999 123-45-67"


async def test_wrong_token_is_explained_in_words(sim, http, make_window):
    wrong = PbxClient(http, api_url=sim.url, domain=DOMAIN, token="wrong-token")
    window = make_window(lambda: wrong)
    await load(window, HistoryPeriod.TODAY)
    assert window.load_status.text() == (
        "Could not load the history: The PBX refused the API token. Check the token in the settings.")
    assert "color" in window.load_status.styleSheet()
    assert window.model.rowCount() == 0
    assert window.load_button.isEnabled() and not window.cancel_button.isEnabled()


async def test_missing_configuration_is_explained(make_window):
    def not_configured():
        raise PbxNotConfigured(Text("pbx", "The PBX API token is not set."))

    window = make_window(not_configured)
    await load(window)
    assert window.load_status.text() == "Could not load the history: The PBX API token is not set."


class SlowPbx:
    """The simulator behind a door: history requests wait until released."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.hold = False
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()
        self.server = HttpServer(self.handle)

    async def handle(self, request: Request) -> Response:
        if self.hold and request.path.endswith("/history"):
            self.arrived.set()
            await self.release.wait()
        return await self.sim.handle(request)


@pytest.fixture
async def slow_pbx(sim):
    slow = SlowPbx(sim)
    await slow.server.start()
    yield slow
    slow.release.set()
    await slow.server.close()


async def test_slow_load_keeps_the_window_alive_and_can_be_cancelled(slow_pbx, http, make_window):
    client = PbxClient(http, api_url=slow_pbx.server.url, domain=DOMAIN, token=TOKEN)
    window = make_window(lambda: client)
    window.show()
    await load(window, HistoryPeriod.THIS_WEEK)
    before = ids(window)
    assert before

    slow_pbx.hold = True
    window.period.setCurrentIndex(window.period.findData(HistoryPeriod.LAST_MONTH))
    window.load_button.click()
    await arrival(slow_pbx.arrived.wait())
    assert window.loader.busy
    assert not window.load_button.isEnabled() and window.cancel_button.isEnabled()
    assert window.load_status.text() == "Loading…"
    window.cancel_button.click()
    await window.wait_idle()
    assert window.load_status.text() == "Loading cancelled."
    assert window.load_button.isEnabled() and not window.cancel_button.isEnabled()
    assert ids(window) == before  # what was shown stays

    slow_pbx.arrived.clear()
    QTest.keyClick(window.period, Qt.Key.Key_Return)  # Enter loads...
    await arrival(slow_pbx.arrived.wait())
    assert window.loader.busy
    QTest.keyClick(window.table, Qt.Key.Key_Escape)  # ...Esc cancels first...
    await window.wait_idle()
    assert window.load_status.text() == "Loading cancelled."
    assert window.isVisible()
    QTest.keyClick(window.table, Qt.Key.Key_Escape)  # ...then closes
    assert not window.isVisible()


# -- search, sort, call back --------------------------------------------------------------


async def test_search_field_by_number_and_by_name(pbx, make_window, contacts):
    contacts.add(Contact(name="Орлов Константин", phones=("79035556677",)))
    window = make_window(lambda: pbx)
    await load(window, HistoryPeriod.THIS_MONTH)
    total = window.model.rowCount()
    orlov = {window.proxy.row(r).call_id for r in range(total) if window.proxy.row(r).client == "79035556677"}
    assert orlov

    type_text(window.search, "8 (903) 555-66-77")
    QTest.keyClick(window.search, Qt.Key.Key_Return)  # Enter applies at once
    assert set(ids(window)) == orlov
    assert window.count_label.text() == f"{len(orlov)} of {total} calls"
    assert not window.loader.busy  # Enter in the search field does not reload

    window.search.clear()
    reset = signal_future(window.proxy.layoutChanged)
    type_text(window.search, "ОРЛОВ")  # applied after a pause in typing
    await arrival(reset)
    assert set(ids(window)) == orlov
    window.search.clear()
    window.apply_search()
    assert window.proxy.rowCount() == total


async def test_header_clicks_sort_by_value(pbx, make_window):
    window = make_window(lambda: pbx)
    window.show()
    await load(window, HistoryPeriod.THIS_MONTH)
    header = window.table.horizontalHeader()

    def click(column):
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))

    def values(attr):
        return [getattr(window.proxy.row(r), attr) for r in range(window.proxy.rowCount())]

    click(DURATION)
    first = values("duration")
    click(DURATION)
    second = values("duration")
    assert {tuple(first), tuple(second)} == {tuple(sorted(first)), tuple(sorted(first, reverse=True))}
    assert len(set(first)) > 10  # real variety, so text order would differ (e.g. 9:59 vs 10:00)
    click(WAIT)
    waits = values("wait")
    assert waits in (sorted(waits), sorted(waits, reverse=True))
    click(TIME)
    starts = values("start")
    assert starts in (sorted(starts), sorted(starts, reverse=True))


async def test_double_click_and_enter_call_back(pbx, make_window):
    window = make_window(lambda: pbx)
    window.show()
    await load(window, HistoryPeriod.THIS_MONTH)
    spy = QSignalSpy(window.call_requested)
    rect = window.table.visualRect(window.proxy.index(1, CLIENT))
    # A real double click: press, release, then the double-click press (QTest.mouseDClick alone skips the first).
    QTest.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert spy.count() == 1 and spy.at(0)[0] == "+" + window.proxy.row(1).client
    window.select_row(2)
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_Return)
    assert spy.count() == 2 and spy.at(1)[0] == "+" + window.proxy.row(2).client
    assert not window.loader.busy  # Enter in the table calls, it does not reload


# -- export ------------------------------------------------------------------------------


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(raw[len(codecs.BOM_UTF8):].decode("utf-8").splitlines(), delimiter=";"))


async def test_csv_export_writes_what_is_visible(pbx, make_window, contacts, tmp_path):
    contacts.add(Contact(name="=Петров", phones=("79991234567",)))  # would be a formula in a spreadsheet
    window = make_window(lambda: pbx)
    await load(window, HistoryPeriod.THIS_MONTH)
    window.search.setText("999 123")
    window.apply_search()
    window.proxy.sort(DURATION, Qt.SortOrder.DescendingOrder)
    visible = [window.proxy.row(r) for r in range(window.proxy.rowCount())]
    assert 0 < len(visible) < window.model.rowCount()

    target = tmp_path / "calls.csv"
    window.export_csv(target)
    await window.wait_idle()
    lines = read_csv(target)
    assert lines[0] == ["Time", "Type", "Client", "Contact", "Employee", "PBX number", "Wait", "Duration", "Recording"]
    assert len(lines) == len(visible) + 1
    for line, row in zip(lines[1:], visible):
        assert line[0] == row.texts[TIME]
        assert line[2] == "'+7 999 123-45-67"  # "+" starts a formula: every cell is guarded
        assert line[3] == "'=Петров"
        assert line[7] == f"{row.duration // 3600}:{row.duration // 60 % 60:02d}:{row.duration % 60:02d}"
        assert line[8] == row.record_url
    assert window.export_status.text() == f"{len(visible)} calls saved to {target}"


class HostilePbx:
    """A PBX whose history holds formula-like text in every field the export writes."""

    def __init__(self, records) -> None:
        self.records = records
        self.server = HttpServer(self.handle)

    async def handle(self, request: Request) -> Response:
        return Response.json(200, self.records if request.path.endswith("/history") else [])


HOSTILE_RECORDS = [
    {"id": "h1", "type": "in", "client": "=1+2", "account": "+7 1", "via": "-3+4",
     "start": "2024-03-13T08:00:00Z", "wait": 3, "duration": 10, "record": "@SUM(A1)"},
    {"id": "h2", "type": "out", "client": "\t=cmd|' /C calc'!A0", "account": "'quoted", "via": "\r@1",
     "start": "2024-03-13T08:05:00Z", "wait": 1, "duration": 5, "record": "=HYPERLINK(\"http://evil\")"},
    {"id": "h3", "type": "missed", "client": "84951234567", "account": "-701", "via": "\t-via",
     "start": "2024-03-13T08:10:00Z", "wait": 2, "duration": 0, "record": "+rec"},
]


@pytest.fixture
async def hostile_pbx(http):
    # Depends on http so the server closes first: its connections end while the loop runs.
    pbx = HostilePbx(HOSTILE_RECORDS)
    await pbx.server.start()
    yield pbx
    await pbx.server.close()


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
async def test_csv_export_guards_formulas_in_every_column(hostile_pbx, http, make_window, contacts, tmp_path,
                                                          encoding):
    from desktop_app.core.csv_export import CsvEncoding, unguard

    contacts.add(Contact(name="@Петров", phones=("84951234567",)))
    client = PbxClient(http, api_url=hostile_pbx.server.url, domain=DOMAIN, token=TOKEN)
    window = make_window(lambda: client)
    await load(window, HistoryPeriod.TODAY)
    assert window.proxy.rowCount() == 3
    target = tmp_path / "calls.csv"
    window.export_csv(target, CsvEncoding(encoding))
    await window.wait_idle()

    raw = target.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) == (encoding == "utf-8")
    text = raw.decode("utf-8-sig" if encoding == "utf-8" else "cp1251")
    lines = list(csv.reader(text.splitlines(keepends=True), delimiter=";"))
    assert lines[0][2:6] == ["Client", "Contact", "Employee", "PBX number"] and lines[0][8] == "Recording"
    for line in lines:  # opened back: no cell that a spreadsheet would run
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), line
    rows = {unguard(line[8]): line for line in lines[1:]}
    assert set(rows) == {record["record"] for record in HOSTILE_RECORDS}
    first, second, third = (rows[record["record"]] for record in HOSTILE_RECORDS)
    assert first[2] == "'=1+2"  # a client that is not a number is kept raw, and guarded
    assert (first[4], first[5], first[8]) == ("'+7 1", "'-3+4", "'@SUM(A1)")
    assert second[2].startswith("'") and unguard(second[2]).strip() == "=cmd|' /C calc'!A0"
    assert second[4] == "''quoted"  # an apostrophe gets another, so unguard removes exactly one
    assert unguard(second[4]) == "'quoted"
    assert second[5].startswith("'") and second[8] == "'=HYPERLINK(\"http://evil\")"
    assert (third[3], third[4], third[8]) == ("'@Петров", "'-701", "'+rec")
    assert third[5].startswith("'") and unguard(third[5]).strip() == "-via"


async def test_csv_export_through_the_save_dialog(pbx, make_window, tmp_path):
    window = make_window(lambda: pbx)
    window.show()
    await load(window, HistoryPeriod.TODAY)
    window.export_button.click()
    dialog = window.save_dialog  # open() returned at once: the dialog does not block the loop
    assert dialog is not None and dialog.isVisible()
    target = tmp_path / "chosen.csv"
    dialog.selectFile(str(target))
    dialog.accept()
    await window.wait_idle()
    assert len(read_csv(target)) == window.proxy.rowCount() + 1


async def test_csv_export_error_in_words(pbx, make_window, tmp_path):
    window = make_window(lambda: pbx)
    await load(window, HistoryPeriod.TODAY)
    window.export_csv(tmp_path / "missing-folder" / "calls.csv")
    await window.wait_idle()
    assert window.export_status.text().startswith(f"Cannot write {tmp_path / 'missing-folder' / 'calls.csv'}: ")
    assert "color" in window.export_status.styleSheet()


# -- recordings ----------------------------------------------------------------------------


async def test_copy_link(pbx, make_window):
    window = make_window(lambda: pbx)
    await load(window, HistoryPeriod.THIS_MONTH)
    window.select_row(first_recorded(window))
    assert window.copy_button.isEnabled()
    window.copy_button.click()
    assert QGuiApplication.clipboard().text() == window.current_row().record_url
    assert window.record_status.text() == "Link copied."


async def test_buttons_follow_the_row(pbx, make_window):
    window = make_window(lambda: pbx)
    await load(window, HistoryPeriod.THIS_MONTH)
    recorded = first_recorded(window)
    without = next(r for r in range(window.proxy.rowCount()) if not window.proxy.row(r).record_url)
    window.select_row(without)
    assert not window.play_button.isEnabled() and not window.download_button.isEnabled()
    assert not window.copy_button.isEnabled()
    window.select_row(recorded)
    assert window.play_button.isEnabled() and window.download_button.isEnabled() and window.copy_button.isEnabled()


async def test_download_goes_through_the_fetcher(pbx, fetcher, make_window, tmp_path):
    window = make_window(lambda: pbx, lambda: fetcher)
    await load(window, HistoryPeriod.THIS_MONTH)
    window.select_row(first_recorded(window))
    row = window.current_row()
    asked = []
    window.ask_save_path = lambda caption, suggested, name_filter, chosen: asked.append((suggested, chosen))
    window.download_button.click()
    [(suggested, chosen)] = asked
    assert suggested.parent == tmp_path and suggested.suffix == ".wav"
    chosen(tmp_path / "saved.wav")
    await window.wait_idle()
    assert (tmp_path / "saved.wav").read_bytes() == recording_wav(row.call_id)
    assert fetcher.cache_path(row.record_url).is_file()  # downloaded once, into the profile's cache
    assert window.record_status.text() == f"Recording saved to {tmp_path / 'saved.wav'}"


async def test_missing_recording_is_explained(sim, pbx, fetcher, make_window, call_log):
    gone = f"{sim.url}/records/{DOMAIN}/0000000000000000.wav"
    call_log.record_history("gone", "in", "success", 30, 3, client="79991234567", when=datetime.now(UTC),
                            record_url=gone)
    window = make_window(lambda: pbx, lambda: fetcher)
    await load(window, HistoryPeriod.TODAY)
    window.select_row(ids(window).index("gone"))
    window.play_selected()
    await window.wait_idle()
    assert window.record_status.text() == "The recording is no longer available (HTTP 404)."
    assert "color" in window.record_status.styleSheet()


@MULTIMEDIA_NOISE
async def test_recording_plays_to_its_end_from_the_cached_file(pbx, fetcher, make_window):
    window = make_window(lambda: pbx, lambda: fetcher)
    window.show()
    await load(window, HistoryPeriod.THIS_MONTH)
    window.select_row(first_recorded(window))
    row = window.current_row()
    player = window.player
    positions = []
    player.positionChanged.connect(positions.append)
    playing = signal_future(player.positionChanged, lambda position: position > 0)
    ended = signal_future(player.mediaStatusChanged, lambda status: status == QMediaPlayer.MediaStatus.EndOfMedia)

    window.play_button.click()
    await window.wait_idle()
    assert player.source().isLocalFile()
    assert player.source().toLocalFile() == str(fetcher.cache_path(row.record_url))  # never the URL itself
    await arrival(playing)
    assert window.play_button.text() == "Pa&use"
    if not QMediaDevices.audioOutputs():
        assert "No sound device was found: nothing will be heard." in window.record_status.text()
    assert window.position.maximum() == 4000  # the simulator's recordings last 4 s
    await arrival(ended)
    assert positions == sorted(positions) and positions[-1] == 4000
    assert len(positions) > 20  # it went through the recording, it did not jump to its end
    assert window.position.value() == 4000
    assert window.time_label.text() == "0:04 / 0:04"
    assert window.play_button.text() == "Pl&ay"
    assert player.error() == QMediaPlayer.Error.NoError


@MULTIMEDIA_NOISE
async def test_seek_and_pause(pbx, fetcher, make_window):
    window = make_window(lambda: pbx, lambda: fetcher)
    await load(window, HistoryPeriod.THIS_MONTH)
    window.select_row(first_recorded(window))
    player = window.player
    started = signal_future(player.positionChanged, lambda position: position > 0)
    window.play_selected()
    await window.wait_idle()
    await arrival(started)
    jumped = signal_future(player.positionChanged, lambda position: position >= 2000)
    window.position.triggerAction(QAbstractSlider.SliderAction.SliderSingleStepAdd)
    window.position.triggerAction(QAbstractSlider.SliderAction.SliderSingleStepAdd)
    (position,) = await arrival(jumped)
    assert 2000 <= position < 3000
    window.search.setText("no such caller")  # the playing row leaves the view...
    window.apply_search()
    assert window.current_row() is None
    assert window.play_button.isEnabled() and window.play_button.text() == "Pa&use"  # ...and can still be paused
    paused = signal_future(player.playbackStateChanged, lambda state: state == QMediaPlayer.PlaybackState.PausedState)
    window.play_button.click()
    await arrival(paused)
    assert window.play_button.text() == "Pl&ay"
    at = player.position()
    window.search.setText("")
    window.apply_search()
    window.select_row(first_recorded(window))
    ended = signal_future(player.mediaStatusChanged, lambda status: status == QMediaPlayer.MediaStatus.EndOfMedia)
    resumed = signal_future(player.positionChanged)
    window.play_button.click()  # the same recording: Play resumes where it paused
    (position,) = await arrival(resumed)
    assert position >= at
    await arrival(ended)


@pytest.mark.qt_log_ignore(*NOISE, r"^Could not open media\. FFmpeg error description: ")  # provoked here
async def test_unplayable_recording_is_explained(pbx, fetcher, make_window):
    window = make_window(lambda: pbx, lambda: fetcher)
    await load(window, HistoryPeriod.THIS_MONTH)
    window.select_row(first_recorded(window))
    row = window.current_row()
    cached = fetcher.cache_path(row.record_url)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(b"<html>not audio</html>" * 50)
    failed = signal_future(window.player.errorOccurred)
    window.play_selected()
    await window.wait_idle()
    await arrival(failed)
    assert window.record_status.text() == f"Cannot play the recording: {window.player.errorString()}"
    assert window.player.errorString()  # the backend's own words, e.g. "... Invalid data found ..."
    assert "color" in window.record_status.styleSheet()


async def test_recordings_unavailable_is_explained(pbx, make_window):
    window = make_window(lambda: pbx, None)
    await load(window, HistoryPeriod.THIS_MONTH)
    window.select_row(first_recorded(window))
    window.play_selected()
    await window.wait_idle()
    assert window.record_status.text() == "Recordings are not available: the PBX is not set up."


async def test_window_remembers_its_geometry(pbx, make_window, profile):
    window = make_window(lambda: pbx)
    window.show()
    window.resize(760, 520)  # inside the offscreen screen (800 x 600), which restoring clamps to
    window.close()
    again = make_window(lambda: pbx)
    assert (again.width(), again.height()) == (760, 520)
