"""The encodings a CSV export offers in the save dialog: one file type per encoding, so the
operator chooses UTF-8 or Windows-1251 where they choose the file name."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop_app.core.csv_export import CsvEncoding
from desktop_app.core.texts import QT_TRANSLATE_NOOP

_FILTERS = {
    CsvEncoding.UTF8: QT_TRANSLATE_NOOP("csv_formats", "CSV, UTF-8 (*.csv)"),
    CsvEncoding.CP1251: QT_TRANSLATE_NOOP("csv_formats", "CSV, Windows-1251, for older Excel (*.csv)"),
}


def name_filter(encoding: CsvEncoding) -> str:
    return QCoreApplication.translate("csv_formats", _FILTERS[encoding])


def name_filters(first: CsvEncoding = CsvEncoding.UTF8) -> str:
    """Both file types for ``QFileDialog``, ``first`` first (a dialog starts on the first)."""
    ordered = [first, *(encoding for encoding in CsvEncoding if encoding is not first)]
    return ";;".join(name_filter(encoding) for encoding in ordered)


def encoding_of(selected_filter: str) -> CsvEncoding | None:
    """The encoding a selected file type stands for; None when it is not one of ours."""
    for encoding in CsvEncoding:
        if selected_filter == name_filter(encoding):
            return encoding
    return None
