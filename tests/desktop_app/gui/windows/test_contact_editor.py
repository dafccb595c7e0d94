"""The contact editor against a real directory in a SQLite file."""

import pytest
from gui_helpers import type_text
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.contacts.directory import Contact, ContactDirectory, ContactNotFound
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.windows.contact_editor import ContactEditor, split_phones

EMPLOYEES = {"701": "Иванов Пётр", "702": "Смирнова Анна", "1001": "Ночная смена"}


@pytest.fixture
def directory(tmp_path):
    with ContactDirectory(tmp_path / "desk.sqlite3") as opened:
        yield opened


@pytest.fixture
def open_editor(qtbot, directory, profile):
    def make(contact_id=None, number="", employees=EMPLOYEES):
        options = {"employees": employees, "window_state": WindowState(profile)}
        if contact_id is None:
            editor = ContactEditor.new(directory, number, **options)
        else:
            editor = ContactEditor.edit(directory, contact_id, **options)
        qtbot.addWidget(editor)
        editor.show()
        return editor

    return make


def saved_contacts(editor):
    received = []
    editor.saved.connect(received.append)
    return received


def activate(qtbot, editor):
    editor.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)


def test_new_contact_from_a_caller_number(open_editor, directory):
    editor = open_editor(number="89991234567")
    assert editor.windowTitle() == "New contact"
    assert editor.phones.toPlainText() == "+7 999 123-45-67"
    received = saved_contacts(editor)
    editor.name.setText("  Иванов   Иван ")
    editor.company.setText("ООО Ромашка")
    editor.phones.appendPlainText("8 (495) 111-22-33, 705")
    editor.email.setText("ivanov@example.ru")
    editor.crm_url.setText("crm.example.ru/deal/7")
    editor.note.setPlainText("Звонить после обеда")
    stored = editor.save()
    assert stored is not None and received == [stored]
    assert directory.get(stored.id) == Contact(
        name="Иванов Иван", company="ООО Ромашка", phones=("79991234567", "74951112233", "705"),
        email="ivanov@example.ru", note="Звонить после обеда", crm_url="https://crm.example.ru/deal/7", id=stored.id)
    assert not editor.isVisible()  # saved: the window closes


def test_edit_shows_the_stored_contact_and_updates_it(open_editor, directory):
    stored = directory.add(Contact(name="Смирнов", company="Вектор", phones=("79991234567", "74951112233"),
                                   manager="702", email="s@example.ru", note="VIP", crm_url="https://crm/1"))
    editor = open_editor(stored.id)
    assert editor.windowTitle() == "Contact: Смирнов"
    assert editor.contact_id == stored.id
    assert editor.phones.toPlainText() == "+7 999 123-45-67\n+7 495 111-22-33"
    assert editor.manager.currentText() == "702 — Смирнова Анна" and editor.manager_value() == "702"
    assert (editor.email.text(), editor.crm_url.text(), editor.note.toPlainText()) == (
        "s@example.ru", "https://crm/1", "VIP")
    editor.phones.setPlainText("+7 495 111-22-33\n8 916 000-00-01")
    editor.company.setText("Вектор-М")
    editor.save()
    changed = directory.get(stored.id)
    assert changed.phones == ("74951112233", "79160000001") and changed.company == "Вектор-М"
    assert directory.count() == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "No name and no company"),
    ("phones", "8 999 123-45-67\n12ab", "Not a phone number: 12ab"),
    ("email", "ivanov-at-example", "Not an e-mail address: ivanov-at-example"),
    ("crm_url", "javascript:alert(1)", "Not a web address: javascript:alert(1)"),
])
def test_invalid_fields_are_explained_beside_save(open_editor, directory, field, value, message):
    editor = open_editor(number="89991234567")
    editor.name.setText("Петров")
    widget = getattr(editor, field)
    widget.setPlainText(value) if field == "phones" else widget.setText(value)
    received = saved_contacts(editor)
    assert editor.save() is None
    assert editor.result.text() == message
    assert "color" in editor.result.styleSheet()
    assert received == [] and directory.count() == 0
    assert editor.isVisible()  # the operator fixes it and saves again


def test_manager_from_the_list_by_name_or_by_extension(open_editor, directory):
    editor = open_editor(number="89991234567")
    editor.name.setText("Клиент")
    items = [editor.manager.itemText(i) for i in range(editor.manager.count())]
    assert items == ["", "701 — Иванов Пётр", "702 — Смирнова Анна", "1001 — Ночная смена"]
    editor.manager.setCurrentIndex(3)
    assert editor.manager_value() == "1001"
    editor.manager.setEditText("смирнова анна")  # a name typed in full
    assert editor.manager_value() == "702"
    editor.manager.setEditText("705")  # an extension the list does not know (yet)
    assert editor.manager_value() == "705"
    editor.manager.setEditText("Петров")
    assert editor.save() is None
    assert editor.result.text() == "The manager must be an extension number, not Петров"
    editor.manager.setEditText("")
    assert editor.save().manager == ""


def test_new_employee_list_keeps_the_choice(open_editor):
    editor = open_editor(number="89991234567", employees={})
    editor.manager.setEditText("702")
    editor.set_employees(EMPLOYEES)
    assert editor.manager.currentText() == "702 — Смирнова Анна"
    editor.set_employees({"701": "Иванов Пётр"})
    assert editor.manager.currentText() == "702" and editor.manager_value() == "702"


def test_a_number_of_another_contact_is_noted_not_refused(open_editor, directory):
    first = directory.add(Contact(name="Иванов Иван", phones=("79991234567",)))
    directory.add(Contact(company="ООО Ромашка", phones=("79991234567", "74951112233")))
    editor = open_editor(number="+7 999 123 45 67")
    assert editor.shared_note.isVisibleTo(editor)
    assert editor.shared_note.text() == "+7 999 123-45-67 is also on: Иванов Иван, ООО Ромашка"
    editor.phones.setPlainText("8 (999) 123-45-67\n8 495 111 22 33\n8 916 000 00 00")
    assert editor.shared_note.text() == (
        "+7 999 123-45-67 is also on: Иванов Иван, ООО Ромашка\n+7 495 111-22-33 is also on: ООО Ромашка")
    editor.name.setText("Иванова Мария")
    stored = editor.save()
    assert stored is not None and len(directory.find_by_number("79991234567")) == 3

    own = open_editor(first.id)  # its own number is not "also" on itself
    assert own.shared_note.text() == "+7 999 123-45-67 is also on: ООО Ромашка, Иванова Мария"
    own.phones.setPlainText("8 916 555 00 00")
    assert not own.shared_note.isVisibleTo(own)


def test_many_sharers_are_counted(open_editor, directory):
    for index in range(5):
        directory.add(Contact(name=f"Клиент {index}", phones=("79991234567",)))
    editor = open_editor(number="79991234567")
    assert editor.shared_note.text() == "+7 999 123-45-67 is also on: Клиент 0, Клиент 1, Клиент 2 and 2 more"


def test_enter_in_a_line_saves_and_esc_closes(qtbot, open_editor, directory):
    editor = open_editor(number="89991234567")
    activate(qtbot, editor)
    type_text(editor.name, "Сидоров")
    QTest.keyClick(editor.name, Qt.Key.Key_Return)
    assert [c.name for c in directory] == ["Сидоров"]
    assert not editor.isVisible()

    other = open_editor(number="89990000000")
    activate(qtbot, other)
    other.name.setText("Никто")
    QTest.keyClick(other.phones, Qt.Key.Key_Return)  # a new line for another number, not Save
    assert directory.count() == 1 and other.isVisible()
    QTest.keyClick(other.note, Qt.Key.Key_Escape)
    assert not other.isVisible() and directory.count() == 1


def test_ctrl_enter_saves_from_the_note(qtbot, open_editor, directory):
    editor = open_editor(number="89991234567")
    activate(qtbot, editor)
    editor.name.setText("Кузнецов")
    editor.note.setFocus()
    type_text(editor.note, "перезвонить")
    QTest.keyClick(editor.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert [c.note for c in directory] == ["перезвонить"]


def test_held_editor_does_not_save(open_editor, directory):
    editor = open_editor(number="89991234567")
    editor.name.setText("Подождёт")
    editor.hold("An import is running.")
    assert not editor.save_button.isEnabled()
    assert editor.save() is None and directory.count() == 0
    editor.hold("")
    assert editor.save_button.isEnabled() and editor.save() is not None


def test_contact_deleted_meanwhile_is_explained(open_editor, directory):
    stored = directory.add(Contact(name="Удалят", phones=("79991234567",)))
    editor = open_editor(stored.id)
    directory.delete(stored.id)
    assert editor.save() is None
    assert editor.result.text() == f"No contact with id {stored.id}"
    with pytest.raises(ContactNotFound):
        ContactEditor.edit(directory, stored.id)


def test_saving_twice_updates_the_contact_it_added(qtbot, directory):
    editor = ContactEditor.new(directory, "89991234567")
    qtbot.addWidget(editor)
    editor.name.setText("Один")
    first = editor.save()
    editor.name.setText("Один и тот же")
    second = editor.save()
    assert first.id == second.id and directory.count() == 1 and directory.get(first.id).name == "Один и тот же"


def test_split_phones():
    assert split_phones(" 8 999 123-45-67 ,\n\n+7 495; 701 \n") == ["8 999 123-45-67", "+7 495", "701"]


# A completer's popup grabs the keyboard; the offscreen platform cannot and says so. Nothing is wrong.
@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
def test_enter_in_the_manager_list_picks_then_saves(qtbot, open_editor, directory):
    editor = open_editor(number="89991234567")
    activate(qtbot, editor)
    editor.name.setText("Клиент")
    field = editor.manager.lineEdit()
    field.setFocus()
    type_text(field, "смирн")
    popup = editor.manager.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    QTest.keyClick(popup, Qt.Key.Key_Down)
    QTest.keyClick(popup, Qt.Key.Key_Return)  # picks "702 — Смирнова Анна" from the list...
    assert editor.manager.currentText() == "702 — Смирнова Анна"
    assert directory.count() == 0 and editor.isVisible()  # ...and does not save yet
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert [c.manager for c in directory] == ["702"]


def test_part_of_one_employees_name_is_that_employee(open_editor):
    editor = open_editor(number="89991234567")
    editor.manager.setEditText("смирн")
    assert editor.manager_value() == "702"
    editor.manager.setEditText("ов")  # Иванов and Смирнова: not one employee
    assert editor.manager_value() == "ов"
