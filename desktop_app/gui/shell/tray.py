"""The tray icon and, where no system tray exists, the status window instead.

The menu is rebuilt each time it opens, so it always lists the windows that exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRect, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QColor, QFont, QIcon, QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from desktop_app.gui.shell.resources import app_icon
from desktop_app.gui.shell.status import DeskStatus


def badged_icon(count: int) -> QIcon:
    """The app icon with the number of unseen missed calls in a red circle."""
    base = app_icon()
    if count <= 0:
        return base
    pixmap = base.pixmap(64, 64)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#d32f2f"))
    painter.drawEllipse(QRect(28, 0, 36, 36))
    painter.setPen(QColor("white"))
    font = QFont()
    font.setPixelSize(22 if count < 10 else 17)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(QRect(28, 0, 36, 36), Qt.AlignmentFlag.AlignCenter, str(count) if count < 100 else "99+")
    painter.end()
    return QIcon(pixmap)


def present(window: QWidget) -> None:
    """Show a window the operator asked for, in front (it may take the focus: they asked)."""
    window.show()
    window.raise_()
    window.activateWindow()


@dataclass
class WindowEntry:
    title: Callable[[], str]
    show: Callable[[], None]


class WindowList:
    """The windows the tray menu and the status window offer, in order."""

    def __init__(self) -> None:
        self.entries: list[WindowEntry] = []

    def add(self, title: Callable[[], str], show: Callable[[], None]) -> None:
        self.entries.append(WindowEntry(title, show))


class StatusWindow(QWidget):
    """A small window with the desk's state, its windows and Quit.

    Signals:
        quit_requested(): the operator chose Quit, or closed this window while it is
            the only way to reach the desk (no system tray).
    """

    quit_requested = Signal()

    def __init__(self, status: DeskStatus, windows: WindowList, *, is_main: bool) -> None:
        super().__init__()
        self._status = status
        self._windows = windows
        self._is_main = is_main
        self.setObjectName("StatusWindow")
        self.setWindowTitle(self.tr("Gravitel Desk"))
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        self._text = QLabel()
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text.setWordWrap(True)
        layout.addWidget(self._text)
        self._buttons = QHBoxLayout()
        layout.addLayout(self._buttons)
        status.changed.connect(self._refresh)
        self._refresh()

    def add_widget(self, widget: QWidget) -> None:
        """A live line of its own under the status text (the balance, in its warning colour)."""
        self.layout().insertWidget(1, widget)

    def rebuild_buttons(self) -> None:
        while self._buttons.count():
            item = self._buttons.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for entry in self._windows.entries:
            button = QPushButton(entry.title())
            button.clicked.connect(entry.show)
            self._buttons.addWidget(button)
        quit_button = QPushButton(self.tr("Quit"))
        quit_button.clicked.connect(self.quit_requested)
        self._buttons.addWidget(quit_button)

    @Slot()
    def _refresh(self) -> None:
        lines = self._status.lines
        rows = [
            (self.tr("Listener"), lines.listener),
            (self.tr("Address for the PBX"), lines.listener_url),
            (self.tr("PBX"), lines.pbx),
            (self.tr("Missed calls"), lines.missed),
        ]
        self._text.setText("\n".join(f"{label}: {value}" for label, value in rows if value))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._is_main:
            self.quit_requested.emit()
        super().closeEvent(event)


class Tray(QObject):
    """The tray icon with its menu; falls back to a main window without a tray.

    Signals:
        quit_requested(): Quit was chosen.
        primary_activated(): the icon was clicked (the dial window opens).
        do_not_disturb_toggled(bool): the operator switched caller cards off (True) or on.
        missed_activated(): the missed-calls notification or menu entry was chosen.
    """

    quit_requested = Signal()
    primary_activated = Signal()
    do_not_disturb_toggled = Signal(bool)
    missed_activated = Signal()

    def __init__(self, status: DeskStatus, windows: WindowList, *, tray_available: bool | None = None) -> None:
        super().__init__()
        self._status = status
        self._windows = windows
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.has_tray = tray_available
        self.icon: QSystemTrayIcon | None = None
        self.menu: QMenu | None = None
        self.do_not_disturb = False
        self.missed_count = 0
        self._last_notice = ""
        self.status_window = StatusWindow(status, windows, is_main=not tray_available)
        self.status_window.quit_requested.connect(self.quit_requested)
        windows.add(lambda: self.tr("Status"), self.show_status_window)
        if tray_available:
            self.menu = QMenu()
            self.menu.aboutToShow.connect(self.rebuild_menu)
            self.icon = QSystemTrayIcon(app_icon())
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._on_activated)
            self.icon.messageClicked.connect(self._on_message_clicked)
            status.changed.connect(self._refresh_tooltip)
            self._refresh_tooltip()
            self.rebuild_menu()

    def show(self) -> None:
        if self.icon is not None:
            self.icon.show()
        else:
            self.show_status_window()

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
        self.status_window.hide()

    def dispose(self) -> None:
        """Hand the top-level widgets to Qt for deletion now, not to Python at exit."""
        self.hide()
        self.status_window.deleteLater()
        if self.menu is not None:
            self.menu.deleteLater()
        if self.icon is not None:
            self.icon.deleteLater()

    def show_status_window(self) -> None:
        self.status_window.rebuild_buttons()
        self.status_window.show()
        self.status_window.raise_()

    @property
    def can_notify(self) -> bool:
        return self.icon is not None and QSystemTrayIcon.supportsMessages()

    def notify(self, title: str, text: str) -> None:
        """A passive notification; never steals focus."""
        self._last_notice = title
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(title, text, app_icon(), 8000)

    def set_missed_count(self, count: int) -> None:
        """Unseen missed calls: a badge on the icon and a line in the status window."""
        self.missed_count = count
        if self.icon is not None:
            self.icon.setIcon(badged_icon(count))
        self._status.update(missed=str(count) if count else "")

    def set_do_not_disturb(self, enabled: bool) -> None:
        if enabled != self.do_not_disturb:
            self.do_not_disturb = enabled
            self.do_not_disturb_toggled.emit(enabled)

    @Slot()
    def rebuild_menu(self) -> None:
        assert self.menu is not None
        self.menu.clear()
        for entry in self._windows.entries:
            action = QAction(entry.title(), self.menu)
            action.triggered.connect(entry.show)
            self.menu.addAction(action)
        if self.missed_count:
            missed = QAction(self.tr("Missed calls: {count}").format(count=self.missed_count), self.menu)
            missed.triggered.connect(self.missed_activated)
            self.menu.addAction(missed)
        self.menu.addSeparator()
        dnd = QAction(self.tr("Do not disturb"), self.menu)
        dnd.setCheckable(True)
        dnd.setChecked(self.do_not_disturb)
        dnd.toggled.connect(self.set_do_not_disturb)
        self.menu.addAction(dnd)
        quit_action = QAction(self.tr("Quit"), self.menu)
        quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(quit_action)

    @Slot()
    def _refresh_tooltip(self) -> None:
        if self.icon is not None:
            self.icon.setToolTip(self._status.tooltip())

    @Slot()
    def _on_message_clicked(self) -> None:
        if self._last_notice == self.tr("Missed call"):
            self.missed_activated.emit()

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.primary_activated.emit()
