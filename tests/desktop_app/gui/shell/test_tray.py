import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from desktop_app.gui.shell.status import DeskStatus
from desktop_app.gui.shell.tray import Tray, WindowList


@pytest.fixture
def make_tray():
    made = []

    def make(qtbot, available):
        status = DeskStatus()
        windows = WindowList()
        tray = Tray(status, windows, tray_available=available)
        made.append(tray)
        return tray, status, windows

    yield make
    for tray in made:
        tray.dispose()


def test_offscreen_has_no_system_tray(qapp):
    assert QSystemTrayIcon.isSystemTrayAvailable() is False


def test_without_tray_a_window_opens_instead(qtbot, make_tray):
    tray, status, _ = make_tray(qtbot, available=None)
    assert tray.has_tray is False and tray.icon is None
    tray.show()
    assert tray.status_window.isVisible()
    status.update(listener="running", listener_url="http://127.0.0.1:8765")
    assert "http://127.0.0.1:8765" in tray.status_window._text.text()
    with qtbot.waitSignal(tray.quit_requested):
        tray.status_window.close()  # the only window: closing it quits, the app never hides
    tray.hide()


def test_with_tray_menu_lists_windows_and_quit(qtbot, make_tray):
    tray, status, windows = make_tray(qtbot, available=True)
    opened = []
    windows.add(lambda: "History", lambda: opened.append("history"))
    tray.menu.aboutToShow.emit()  # rebuilt each time it opens
    titles = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert titles == ["Status", "History", "Do not disturb", "Quit"]
    tray.menu.actions()[1].trigger()
    assert opened == ["history"]
    with qtbot.waitSignal(tray.do_not_disturb_toggled) as toggled:
        next(a for a in tray.menu.actions() if a.text() == "Do not disturb").trigger()
    assert toggled.args == [True] and tray.do_not_disturb
    tray.menu.aboutToShow.emit()
    assert next(a for a in tray.menu.actions() if a.text() == "Do not disturb").isChecked()
    with qtbot.waitSignal(tray.quit_requested):
        tray.menu.actions()[-1].trigger()
    status.update(listener="running", pbx="connected")
    assert "Listener: running" in tray.icon.toolTip() and "PBX: connected" in tray.icon.toolTip()
    assert not tray.status_window.isVisible()


def test_tray_click_is_the_primary_action(qtbot, make_tray):
    tray, _, _ = make_tray(qtbot, available=True)
    with qtbot.waitSignal(tray.primary_activated):
        tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)


def test_missed_calls_badge_and_menu_entry(qtbot, make_tray):
    tray, status, _ = make_tray(qtbot, available=True)
    plain = tray.icon.icon().pixmap(64, 64).toImage()
    tray.set_missed_count(3)
    assert tray.icon.icon().pixmap(64, 64).toImage() != plain  # the badge is drawn
    assert status.lines.missed == "3"
    tray.menu.aboutToShow.emit()
    entry = next(a for a in tray.menu.actions() if a.text().startswith("Missed calls"))
    assert entry.text() == "Missed calls: 3"
    with qtbot.waitSignal(tray.missed_activated):
        entry.trigger()
    tray.set_missed_count(0)
    assert status.lines.missed == ""
    tray.menu.aboutToShow.emit()
    assert not any(a.text().startswith("Missed calls") for a in tray.menu.actions())
