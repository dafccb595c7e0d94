"""Every user-visible string has a Russian translation, and the catalogs load."""

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from desktop_app.gui.shell import i18n
from desktop_app.core.package_data import I18N_DIR

ROOT = Path(__file__).resolve().parents[4]
TS = I18N_DIR / "gravitel_desk_ru.ts"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def _tool(name: str) -> str:
    found = Path(sys.executable).parent / f"pyside6-{name}"
    return str(found) if found.exists() else shutil.which(f"pyside6-{name}") or pytest.skip(f"pyside6-{name} missing")


@pytest.fixture(scope="module")
def refreshed_catalog(tmp_path_factory) -> ET.Element:
    """The committed catalog merged with what the code says today (new strings come in unfinished)."""
    copy = tmp_path_factory.mktemp("ts") / TS.name
    shutil.copy(TS, copy)
    sources = sorted(str(p) for p in (ROOT / "desktop_app").rglob("*.py"))
    subprocess.run([_tool("lupdate"), "-no-obsolete", "-locations", "none", *sources, "-ts", str(copy)],
                   check=True, capture_output=True)
    return ET.parse(copy).getroot()


def _messages(root: ET.Element):
    for context in root.iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            yield name, message.findtext("source"), message.find("translation")


def test_every_string_has_a_russian_translation(refreshed_catalog):
    missing = [f"{ctx}: {src!r}" for ctx, src, tr in _messages(refreshed_catalog)
               if tr is None or tr.get("type") in ("unfinished", "vanished", "obsolete") or not (tr.text or "").strip()]
    assert not missing, "untranslated (run `make lupdate`, translate in the .ts):\n" + "\n".join(missing)


def test_translations_keep_placeholders(refreshed_catalog):
    wrong = [f"{ctx}: {src!r}" for ctx, src, tr in _messages(refreshed_catalog)
             if tr is not None and tr.text and sorted(PLACEHOLDER.findall(src)) != sorted(PLACEHOLDER.findall(tr.text))]
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("setting", "system", "expected"),
    [
        ("auto", QLocale(QLocale.Language.Russian, QLocale.Country.Russia), "ru"),
        ("auto", QLocale(QLocale.Language.English, QLocale.Country.UnitedStates), "en"),
        ("auto", QLocale(QLocale.Language.German, QLocale.Country.Germany), "en"),
        ("en", QLocale(QLocale.Language.Russian, QLocale.Country.Russia), "en"),
        ("ru", QLocale(QLocale.Language.English, QLocale.Country.UnitedStates), "ru"),
    ],
)
def test_language_follows_the_system_unless_chosen(setting, system, expected):
    assert i18n.choose_language(setting, system) == expected


def test_russian_catalog_translates_ours_and_qts(qapp, tmp_path):
    qm = tmp_path / "gravitel_desk_ru.qm"
    subprocess.run([_tool("lrelease"), "-silent", str(TS), "-qm", str(qm)], check=True)
    translator = QTranslator()
    assert translator.load(str(qm))
    qapp.installTranslator(translator)
    try:
        assert QCoreApplication.translate("StatusWindow", "Quit") == "Выход"
        assert QCoreApplication.translate("phone", "Not a phone number: {number}") == "Это не номер телефона: {number}"
    finally:
        qapp.removeTranslator(translator)
    assert QCoreApplication.translate("StatusWindow", "Quit") == "Quit"


def test_messages_inside_messages_are_translated_too(qapp, tmp_path):
    from desktop_app.core import settings
    from desktop_app.core.settings import SettingsError

    qm = tmp_path / "gravitel_desk_ru.qm"
    subprocess.run([_tool("lrelease"), "-silent", str(TS), "-qm", str(qm)], check=True)
    translator = QTranslator()
    assert translator.load(str(qm))
    path = tmp_path / "config.toml"
    path.write_text("[listener]\nport = 'x'\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        settings.load(path)
    qapp.installTranslator(translator)
    try:
        assert i18n.error_text(caught.value) == f"{path}: listener.port: должно быть целым числом"
    finally:
        qapp.removeTranslator(translator)
    assert i18n.error_text(caught.value) == f"{path}: listener.port: must be a whole number"
