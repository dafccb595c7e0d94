"""Choosing a file without blocking the loop: the open and save dialogs of a window.

One dialog at a time per window (asking again closes the one open); it opens window-modal
with ``open()`` and calls back with the chosen path. A save dialog that offers the CSV file
types (:mod:`desktop_app.gui.common.csv_formats`) remembers the encoding chosen, so the
next export offers it first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDir, QObject, QStandardPaths, Qt, Slot
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop_app.core.csv_export import CsvEncoding
from desktop_app.gui.common import csv_formats

# (caption, suggested path or folder, name filter, called with the chosen path): must not block.
PathAsker = Callable[[str, Path, str, Callable[[Path], None]], None]


def documents_dir(chosen: Path | None = None) -> Path:
    """Where file dialogs start: ``chosen`` when given, else the user's documents."""
    if chosen is not None:
        return chosen
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found or QDir.homePath())


class FileDialogs(QObject):
    """The file dialogs of ``window``. ``dialog`` is the one open (tests accept it);
    ``csv_encoding`` the encoding of the last CSV saved (UTF-8 at first)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.dialog: QFileDialog | None = None
        self.csv_encoding = CsvEncoding.UTF8

    def ask_open(self, caption: str, start: Path, name_filter: str, on_chosen: Callable[[Path], None]) -> None:
        dialog = self._new(caption, start, name_filter)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda chosen: on_chosen(Path(chosen)))
        dialog.open()

    def ask_save(self, caption: str, suggested: Path, name_filter: str, on_chosen: Callable[[Path], None]) -> None:
        dialog = self._new(caption, suggested, name_filter)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setDefaultSuffix(suggested.suffix.lstrip("."))

        def chosen(name: str) -> None:
            self.csv_encoding = csv_formats.encoding_of(dialog.selectedNameFilter()) or self.csv_encoding
            on_chosen(Path(name))

        dialog.fileSelected.connect(chosen)
        dialog.open()

    def _new(self, caption: str, start: Path, name_filter: str) -> QFileDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog = QFileDialog(self._window, caption, str(start), name_filter)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._forget)
        self.dialog = dialog
        return dialog

    @Slot()
    def _forget(self) -> None:
        self.dialog = None
