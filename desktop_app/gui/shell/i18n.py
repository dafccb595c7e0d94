"""Translations: our ``.qm`` catalog and Qt's own ``qtbase_`` one.

The language follows the system (Russian when the system is Russian) unless
``ui.language`` in config chooses ``ru`` or ``en``. English is the source language, so
it needs no catalog.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop_app.core.texts import Text, UserError
from desktop_app.core.package_data import I18N_DIR

log = logging.getLogger(__name__)
CATALOG = "gravitel_desk"
SUPPORTED = ("en", "ru")


def choose_language(setting: str, system: QLocale | None = None) -> str:
    if setting in SUPPORTED:
        return setting
    system = system or QLocale.system()
    return "ru" if system.language() == QLocale.Language.Russian else "en"


_installed: list[QTranslator] = []


def install(app: QCoreApplication, setting: str = "auto") -> str:
    """Install the catalogs for the chosen language (replacing any installed before);
    return the language code."""
    while _installed:
        app.removeTranslator(_installed.pop())
    language = choose_language(setting)
    QLocale.setDefault(QLocale(QLocale.Language.Russian if language == "ru" else QLocale.Language.English,
                               QLocale.Country.Russia if language == "ru" else QLocale.Country.UnitedStates))
    if language == "en":
        return language
    ours = QTranslator(app)
    if ours.load(f"{CATALOG}_{language}", str(I18N_DIR)):
        app.installTranslator(ours)
        _installed.append(ours)
    else:
        log.warning("no %s catalog in %s (run 'make translations')", language, I18N_DIR)
    qt = QTranslator(app)
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    return language


def tr_text(text: Text) -> str:
    """Translate a message marked in the floors below Qt, and the messages inside it."""
    args = {key: tr_text(value) if isinstance(value, Text) else value for key, value in text.args.items()}
    return Text(text.context, text.source, args).format(QCoreApplication.translate(text.context, text.source))


def error_text(exc: BaseException) -> str:
    """An exception as one line for the operator, translated when it is ours."""
    if isinstance(exc, UserError):
        return tr_text(exc.text)
    return str(exc) or type(exc).__name__
