"""The contacts window against a real directory in a SQLite file, files on disk and the
PBX simulator over real HTTP (employees' names)."""

import asyncio
import codecs
import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog
from shiboken6 import isValid

from desktop_app.contacts.directory import Contact, ContactDirectory
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.windows.contacts_window import PHONES, ContactsWindow, read_page
from desktop_app.pbx.client import PbxClient, PbxNotConfigured
from desktop_app.simulator.data import CLIENTS

DOMAIN = "test.aicall.ru"
TOKEN = "sim-token"


class Answers:
    """An injected confirmation: records each question and answers from a script."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.questions: list[tuple[str, str, str]] = []

    async def __call__(self, title: str, question: str, button: str) -> bool:
        self.questions.append((title, question, button))
        return self.answers.pop(0)


@pytest.fixture
def db_path(profile):
    return profile.db_path


@pytest.fixture
def directory(db_path):
    with ContactDirectory(db_path) as opened:
        for client in CLIENTS:
            opened.add(Contact(name=client.name, company=client.company, phones=(client.number,),
                               manager=client.manager))
        yield opened


@pytest.fixture
def make_window(qtbot, profile, directory, db_path, tmp_path):
    def make(**kwargs):
        options = {"window_state": WindowState(profile), "files_dir": tmp_path}
        options.update(kwargs)
        window = ContactsWindow(directory, db_path, **options)
        qtbot.addWidget(window)
        return window

    return make


async def opened(window):
    window.show()
    await window.wait_idle()
    return window


async def searched(window, text):
    window.search.setText(text)
    window.refresh()
    await window.wait_idle()
    return names(window)


def names(window):
    return [window.model.contact(row).title for row in range(window.model.rowCount())]


def cell(window, row, column):
    return window.model.index(row, column).data()


def select(window, title):
    assert window.select_contact(next(c.id for c in map(window.model.contact, range(window.model.rowCount()))
                                      if c.title == title))


def signals(signal):
    received = []
    signal.connect(lambda *args: received.append(args))
    return received


async def test_lists_the_directory_with_formatted_cells(make_window):
    window = await opened(make_window())
    assert names(window)[:2] == ["Петров Иван Сергеевич", "Сидорова Елена Викторовна"]
    assert window.model.rowCount() == len(CLIENTS)
    assert window.count_label.text() == f"Contacts: {len(CLIENTS)}."
    assert [cell(window, 0, c) for c in range(5)] == [
        "Петров Иван Сергеевич", "ООО «Ромашка»", "+7 999 123-45-67", "701", ""]
    assert window.model.headerData(PHONES, Qt.Orientation.Horizontal) == "Phones"
    window.set_employees({"701": "Иванов Пётр"})
    assert cell(window, 0, 3) == "Иванов Пётр (701)" and cell(window, 1, 3) == "702"


@pytest.mark.parametrize("query", ["8 999 123-45-67", "+7 (999) 123 45 67", "79991234567", "999 123", "234567",
                                   "петров", "РОМАШКА", "иван серг"])
async def test_search_by_any_form_of_the_number_or_by_name(make_window, query):
    window = await opened(make_window())
    assert await searched(window, query) == ["Петров Иван Сергеевич"]
    assert window.count_label.text() == "Found: 1."


async def test_search_finding_nothing_says_so(make_window):
    window = await opened(make_window())
    assert await searched(window, "Несуществующий") == []
    assert window.count_label.text() == "Nothing found."
    assert not window.edit_button.isEnabled() and not window.call_button.isEnabled()


async def test_enter_searches_at_once_and_down_goes_to_the_table(make_window):
    window = await opened(make_window())
    window.search.setText("ооо")
    QTest.keyClick(window.search, Qt.Key.Key_Return)
    await window.wait_idle()
    assert len(names(window)) == sum("ООО" in c.company for c in CLIENTS)
    QTest.keyClick(window.search, Qt.Key.Key_Down)
    assert window.selected_contact().title == names(window)[0]


async def test_a_large_directory_shows_a_page_and_says_so(make_window, directory):
    for index in range(30):
        directory.add(Contact(name=f"Клиент {index:02d}", phones=(f"7916000{index:04d}",)))
    window = await opened(make_window(limit=25))
    assert window.model.rowCount() == 25
    assert window.count_label.text() == (
        f"Contacts: {len(CLIENTS) + 30}. Showing the first 25: type in the search field to find the others.")
    assert len(await searched(window, "клиент")) == 25
    assert window.count_label.text() == "Showing the first 25 found: refine the search."
    assert await searched(window, "Клиент 07") == ["Клиент 07"]


async def test_empty_directory_says_how_to_fill_it(qtbot, profile, tmp_path):
    with ContactDirectory(tmp_path / "empty.sqlite3") as empty:
        window = ContactsWindow(empty, tmp_path / "empty.sqlite3")
        qtbot.addWidget(window)
        await opened(window)
        assert window.count_label.text() == "Contacts: 0. Add one with New or import a file."
        window.close()


async def test_the_newest_query_wins(make_window):
    window = await opened(make_window())
    for text in ("п", "пе", "пет", "сидорова"):  # typed while the first search runs
        window.search.setText(text)
        window.refresh()
    await window.wait_idle()
    assert names(window) == ["Сидорова Елена Викторовна"]


# -- editing ---------------------------------------------------------------------------------


async def test_new_contact_is_saved_shown_and_announced(make_window, directory):
    window = await opened(make_window())
    changed = signals(window.contacts_changed)
    window.new_button.click()
    editor = window.editors[0]
    assert editor.isVisible() and editor.windowTitle() == "New contact"
    editor.name.setText("Новый Клиент")
    editor.phones.setPlainText("8 916 123 00 00")
    editor.save_button.click()
    await window.wait_idle()
    assert changed == [()]
    assert window.result.text() == "Saved: Новый Клиент"
    assert window.selected_contact().name == "Новый Клиент"
    assert directory.find_by_number("79161230000")[0].name == "Новый Клиент"
    assert not isValid(editor) and window.editors == []  # closed and deleted once saved


async def test_edit_by_double_click_and_enter_one_editor_per_contact(make_window, directory):
    window = await opened(make_window())
    select(window, "Орлов Константин")
    editor = window.edit_selected()
    assert editor.name.text() == "Орлов Константин"
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_Return)
    assert window.editors == [editor]  # the same one, brought forward
    editor.company.setText("АО «Южный ветер»")
    editor.save()
    await window.wait_idle()
    assert cell(window, window.model.row_of(editor.contact_id), 1) == "АО «Южный ветер»"


async def test_caller_card_numbers_open_prefilled_editors(make_window, directory):
    window = make_window()  # the window itself need not be open
    editor = window.create_contact("79990001122")
    assert editor.isVisible() and editor.phones.toPlainText() == "+7 999 000-11-22"
    assert window.create_contact("79990001122") is editor
    assert window.create_contact("79990001133") is not editor
    known = directory.find_by_number("79991234567")[0]
    assert window.edit_contact(known.id).name.text() == known.name


async def test_editing_a_contact_that_is_gone_is_explained(make_window):
    window = make_window()
    assert window.edit_contact(999_999) is None
    assert window.result.text() == "No contact with id 999999"


async def test_editors_get_the_employees(make_window):
    window = make_window()
    editor = window.create_contact()
    window.set_employees({"701": "Иванов Пётр"})
    assert editor.manager.itemText(1) == "701 — Иванов Пётр"
    assert window.create_contact("79990001122").manager.itemText(1) == "701 — Иванов Пётр"


async def test_delete_confirmed(make_window, directory):
    confirm = Answers(True)
    window = await opened(make_window(confirm=confirm))
    changed = signals(window.contacts_changed)
    select(window, "Захарова Светлана")
    editor = window.edit_selected()
    window.delete_button.click()
    await window.wait_idle()
    assert confirm.questions == [("Delete contact", "Delete Захарова Светлана (+7 967 222-33-44) from the contacts?",
                                  "Delete")]
    assert directory.find_by_number("79672223344") == []
    assert "Захарова Светлана" not in names(window)
    assert window.result.text() == "Deleted: Захарова Светлана"
    assert changed == [()]
    assert not isValid(editor) and window.editors == []  # its editor closed (and was deleted) with it


async def test_delete_declined_keeps_the_contact(make_window, directory):
    confirm = Answers(False)
    window = await opened(make_window(confirm=confirm))
    changed = signals(window.contacts_changed)
    select(window, "Егоров Павел")
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_Delete)
    await window.wait_idle()
    assert len(confirm.questions) == 1
    assert directory.find_by_number("79031230000")[0].name == "Егоров Павел"
    assert window.result.text() == "Nothing was deleted."
    assert changed == []


async def test_the_real_confirmation_box_does_not_block(make_window, directory):
    window = await opened(make_window())
    select(window, "Егоров Павел")
    window.delete_button.click()
    for _ in range(100):  # the action starts on the loop's next turn
        if window.confirm_box is not None:
            break
        await asyncio.sleep(0)
    box = window.confirm_box
    assert box is not None and box.isVisible() and "Егоров Павел" in box.text()
    box.reject()
    await window.wait_idle()
    assert window.result.text() == "Nothing was deleted."
    assert directory.find_by_number("79031230000")


async def test_call_and_sms_take_the_first_number(make_window, directory):
    directory.add(Contact(name="Двое", phones=("74951112233", "79160000001")))
    window = await opened(make_window())
    calls, texts = signals(window.call_requested), signals(window.sms_requested)
    select(window, "Двое")
    assert cell(window, window.model.row_of(window.selected_contact().id), PHONES) == (
        "+7 495 111-22-33, +7 916 000-00-01")
    window.call_button.click()
    window.sms_button.click()
    assert calls == [("+74951112233",)] and texts == [("+74951112233",)]


# -- employees from the PBX ---------------------------------------------------------------------


async def test_manager_names_come_from_the_pbx(sim, http, make_window):
    window = await opened(make_window(pbx=lambda: PbxClient(http, api_url=sim.url, domain=DOMAIN, token=TOKEN)))
    assert cell(window, 0, 3) == "Иванов Пётр (701)"
    editor = window.create_contact()
    assert editor.manager.count() == 1 + len(sim.state.employees)


async def test_no_pbx_leaves_extensions_and_says_why(make_window):
    def not_configured():
        raise PbxNotConfigured(Text("pbx", QT_TRANSLATE_NOOP("pbx", "The PBX API token is not set.")))

    window = await opened(make_window(pbx=not_configured))
    assert cell(window, 0, 3) == "701"
    assert window.result.text() == "Employees' names are not available: The PBX API token is not set."


# -- files -------------------------------------------------------------------------------------


def write_cp1251(path, lines):
    path.write_bytes("\r\n".join(lines).encode("cp1251") + b"\r\n")


async def test_import_of_an_excel_csv_reports_the_broken_line(make_window, directory, tmp_path):
    source = tmp_path / "клиенты.csv"
    write_cp1251(source, [
        "ФИО;Компания;Телефон;Менеджер",
        "Абрамов Олег;ООО Альфа;8 (916) 100-00-01;701",
        "Борисова Яна;;не номер;702",
        "Петров Иван Сергеевич;ООО «Ромашка»;+7 999 123-45-67;701",  # already there: unchanged
        "Власов Ян;ИП Власов;8 916 100 00 03, 8 495 100 00 03;",
    ])
    window = await opened(make_window())
    changed = signals(window.contacts_changed)
    window.import_contacts(source)
    assert window.progress.isVisibleTo(window) and not window.import_button.isEnabled()
    await window.wait_idle()
    summary = "Added: 2, updated: 0, unchanged: 1, skipped: 1."
    assert window.result.text() == f"Imported клиенты.csv. {summary}"
    assert window.report.isVisibleTo(window)
    assert window.report.toPlainText() == f"{summary}\nLine 3: Not a phone number: не номер"
    assert changed == [()]
    assert not window.progress.isVisibleTo(window) and window.import_button.isEnabled()
    assert directory.find_by_number("84951000003")[0].name == "Власов Ян"
    assert "Абрамов Олег" in names(window)


async def test_import_through_the_file_dialog(make_window, directory, tmp_path):
    source = tmp_path / "one.csv"
    source.write_text("Name,Phone\nОдин,+7 916 100-00-09\n", encoding="utf-8")
    window = await opened(make_window())
    window.import_button.click()
    dialog = window.file_dialog  # open() returned at once: the dialog does not block the loop
    assert dialog is not None and dialog.isVisible()
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptOpen
    dialog.selectFile(str(source))
    dialog.accept()
    await window.wait_idle()
    assert directory.find_by_number("79161000009")[0].name == "Один"
    assert not window.report.isVisibleTo(window)  # nothing went wrong: no problems to list


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.csv", None, "Cannot read missing.csv: No such file or directory"),
    ("picture.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "picture.csv is neither a CSV nor a vCard file"),
    ("empty.csv", b"", "empty.csv is empty"),
    ("names.csv", "Имя;Почта\nИван;i@example.ru\n".encode("cp1251"),
     "names.csv has no phone column (expected a column named Phone or Телефон; found: Имя, Почта)"),
])
async def test_a_file_that_cannot_be_imported_is_explained(make_window, directory, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    window = await opened(make_window())
    changed = signals(window.contacts_changed)
    window.import_contacts(path)
    await window.wait_idle()
    assert window.result.text() == message
    assert "color" in window.result.styleSheet()
    assert changed == [] and directory.count() == len(CLIENTS)
    assert window.import_button.isEnabled()


async def test_export_and_read_back(make_window, directory, tmp_path):
    window = await opened(make_window())
    asked = []
    window.ask_save_path = lambda caption, suggested, name_filter, chosen: asked.append((caption, suggested, chosen))
    window.export_button.click()
    caption, suggested, chosen = asked[0]
    assert caption == "Export contacts" and suggested.parent == tmp_path and suggested.suffix == ".csv"
    target = tmp_path / "export.csv"
    chosen(target)
    assert window.create_contact().save_button.isEnabled()  # only reads
    await window.wait_idle()
    assert window.result.text() == f"{len(CLIENTS)} contacts saved to {target}"
    raw = target.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(raw[len(codecs.BOM_UTF8):].decode("utf-8").splitlines(), delimiter=";"))
    assert rows[0] == ["name", "company", "phone", "manager", "email", "note", "crm_url"]
    assert rows[1][:4] == ["Петров Иван Сергеевич", "ООО «Ромашка»", "'+7 999 123-45-67", "701"]
    assert len(rows) == len(CLIENTS) + 1

    # What was exported comes back unchanged.
    window.import_contacts(target)
    await window.wait_idle()
    assert window.result.text() == (
        f"Imported export.csv. Added: 0, updated: 0, unchanged: {len(CLIENTS)}, skipped: 0.")


async def test_export_in_windows_1251_chosen_in_the_dialog_guards_every_column(make_window, directory, tmp_path):
    directory.add(Contact(name="=1+2", company="@SUM(A1)", phones=("+7 916 555-00-01",), manager="",
                          email="", note="-3+4\n\tnext", crm_url="https://crm.example.ru/=x"))
    directory.add(Contact(name="\t=cmd|' /C calc'!A0", company="+evil", phones=("79165550002",), note="\r=1"))
    window = await opened(make_window())
    window.export_button.click()
    dialog = window.file_dialog
    assert dialog is not None and dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert dialog.nameFilters() == ["CSV, UTF-8 (*.csv)", "CSV, Windows-1251, for older Excel (*.csv)"]
    dialog.selectNameFilter("CSV, Windows-1251, for older Excel (*.csv)")
    target = tmp_path / "old-excel.csv"
    dialog.selectFile(str(target))
    dialog.accept()
    await window.wait_idle()
    raw = target.read_bytes()
    assert not raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(raw.decode("cp1251").splitlines(keepends=True), delimiter=";"))
    assert len(rows) == len(CLIENTS) + 3
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    hostile = next(row for row in rows if row[0] == "'=1+2")
    assert hostile == ["'=1+2", "'@SUM(A1)", "'+7 916 555-00-01", "", "", "'-3+4\n\tnext", "https://crm.example.ru/=x"]
    assert any(row[:3] == ["'=cmd|' /C calc'!A0", "'+evil", "'+7 916 555-00-02"] for row in rows)
    assert window.csv_encoding.value == "cp1251"  # the next export offers the same
    window.export_button.click()
    assert window.file_dialog.selectedNameFilter() == "CSV, Windows-1251, for older Excel (*.csv)"
    window.file_dialog.reject()

    # What was exported comes back unchanged.
    window.import_contacts(target)
    await window.wait_idle()
    assert window.result.text() == (
        f"Imported old-excel.csv. Added: 0, updated: 0, unchanged: {len(CLIENTS) + 2}, skipped: 0.")


async def test_export_error_in_words(make_window, tmp_path):
    window = await opened(make_window())
    target = tmp_path / "no-such-folder" / "contacts.csv"
    window.export_contacts(target)
    await window.wait_idle()
    assert window.result.text().startswith(f"Cannot write {target}: ")
    assert "color" in window.result.styleSheet()


async def test_editors_wait_while_an_import_holds_the_database(make_window, directory, tmp_path):
    source = tmp_path / "many.csv"
    write_cp1251(source, ["ФИО;Телефон", *(f"Клиент {i};8 916 200-{i // 100:02d}-{i % 100:02d}" for i in range(300))])
    window = await opened(make_window(confirm=Answers(True)))
    before = window.create_contact("79990001122")
    select(window, "Егоров Павел")
    window.import_contacts(source)
    during = window.create_contact("79990001133")
    for editor in (before, during):
        assert not editor.save_button.isEnabled()
        assert editor.result.text() == "An import is running: save when it has finished."
    assert not window.delete_button.isEnabled() and not window.export_button.isEnabled()
    window.delete_selected()  # refused while the import runs
    await window.wait_idle()
    assert directory.find_by_number("79031230000")
    for editor in (before, during):
        assert editor.save_button.isEnabled() and editor.result.text() == ""
    during.name.setText("После импорта")
    assert during.save() is not None
    assert directory.count() == len(CLIENTS) + 300 + 1


async def test_searches_read_while_another_connection_writes(directory, db_path):
    with directory.transaction():
        directory.add(Contact(name="Не закончен", phones=("79990009999",)))
        page = await asyncio.to_thread(read_page, db_path, "", 100)  # the import's lock does not stop it
        assert page.total == len(CLIENTS) and not page.more
    assert (await asyncio.to_thread(read_page, db_path, "не закончен", 100)).contacts[0].name == "Не закончен"


async def test_window_remembers_its_geometry(make_window, profile):
    window = await opened(make_window())
    window.resize(777, 444)
    window.close()
    again = make_window()
    assert again.size().width() == 777 and again.size().height() == 444
