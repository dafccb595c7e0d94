"""The employees window against the simulator over real HTTP."""

import asyncio

import pytest
from gui_helpers import shown_active
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.windows.employees_window import EmployeesWindow
from desktop_app.pbx.client import PbxClient

DOMAIN = "test.aicall.ru"  # as in conftest.py
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
def make_window(qtbot, profile):
    def make(source, confirm=None):
        window = EmployeesWindow(source, window_state=WindowState(profile), confirm=confirm)
        qtbot.addWidget(window)
        return window

    return make


async def opened(window):
    window.show()
    await window.wait_idle()
    return window


def column(table, index):
    return [table.item(row, index).text() for row in range(table.rowCount()) if not table.isRowHidden(row)]


async def test_lists_employees_departments_and_numbers(sim, pbx, make_window):
    window = await opened(make_window(lambda: pbx))
    assert column(window.employees, 0) == [e.extension for e in sim.state.employees.values()]
    assert column(window.employees, 1)[0] == "Иванов Пётр"
    assert column(window.groups, 1) == ["Отдел продаж", "Служба поддержки", "Бухгалтерия"]
    assert column(window.numbers, 0)[0] == "+7 495 111-22-33"
    assert window.result.text() == "Employees: 12. Departments: 3. Numbers: 4."
    assert not window.set_button.isEnabled() and not window.remove_button.isEnabled()


async def test_set_caller_id_is_confirmed_then_done(sim, pbx, make_window):
    confirm = Answers(True)
    window = await opened(make_window(lambda: pbx, confirm))
    window.select_employee("702")
    assert window.remove_button.isEnabled() and not window.set_button.isEnabled()
    window.select_number("74952302344")
    assert window.set_button.isEnabled()
    window.set_button.click()
    await window.wait_idle()
    assert confirm.questions == [(
        "Set caller ID",
        "Set the caller ID of 702 Смирнова Анна to +7 495 230-23-44 (Отдел продаж)?"
        " The people 702 Смирнова Анна calls will see this number.",
        "Set caller ID")]
    assert sim.state.callerids == {"702": "74952302344"}
    assert window.result.text() == "702 Смирнова Анна now calls from +7 495 230-23-44 (Отдел продаж)."


async def test_declined_confirmation_changes_nothing(sim, pbx, make_window):
    sim.state.callerids["703"] = "78005553535"
    confirm = Answers(False, False)
    window = await opened(make_window(lambda: pbx, confirm))
    window.select_employee("703")
    window.select_number("74951112233")
    window.set_callerid()
    await window.wait_idle()
    window.remove_callerid()
    await window.wait_idle()
    assert len(confirm.questions) == 2
    assert sim.state.callerids == {"703": "78005553535"}
    assert window.result.text() == "Nothing was changed."


async def test_remove_caller_id(sim, pbx, make_window):
    sim.state.callerids["703"] = "78005553535"
    confirm = Answers(True)
    window = await opened(make_window(lambda: pbx, confirm))
    window.select_employee("703")
    window.remove_button.click()
    await window.wait_idle()
    assert confirm.questions[0][1] == (
        "Remove the personal caller ID of 703 Кузнецов Алексей? The PBX's default number will be shown.")
    assert sim.state.callerids == {}
    assert window.result.text() == "The personal caller ID of 703 Кузнецов Алексей was removed."


async def test_the_real_confirmation_box_does_not_block(sim, pbx, make_window):
    window = await opened(make_window(lambda: pbx))
    window.select_employee("704")
    window.select_number("78123334455")
    window.set_button.click()
    for _ in range(100):  # the action starts on the loop's next turn
        if window.confirm_box is not None:
            break
        await asyncio.sleep(0)
    box = window.confirm_box
    assert box is not None and box.isVisible() and box.windowModality() == Qt.WindowModality.WindowModal
    assert "704 Попова Екатерина" in box.text() and "+7 812 333-44-55" in box.text()
    assert not window.set_button.isEnabled() and window.cancel_button.isVisible()
    box.button(QMessageBox.StandardButton.Cancel).click()
    await window.wait_idle()
    assert window.result.text() == "Nothing was changed." and sim.state.callerids == {}
    window.set_button.click()
    for _ in range(100):
        if window.confirm_box is not None:
            break
        await asyncio.sleep(0)
    window.confirm_box.defaultButton().click()  # Enter confirms
    await window.wait_idle()
    assert sim.state.callerids == {"704": "78123334455"}


async def test_unknown_employee_is_explained(sim, pbx, make_window):
    sim.api.faults.add("callerid", 404, 1)
    window = await opened(make_window(lambda: pbx, Answers(True)))
    window.select_employee("705")
    window.select_number("74951112233")
    window.set_callerid()
    await window.wait_idle()
    assert window.result.text() == "Employee 705 was not found on the PBX: simulated failure of callerid"
    assert "color" in window.result.styleSheet()


async def test_wrong_token_is_explained(sim, http, make_window):
    wrong = PbxClient(http, api_url=sim.url, domain=DOMAIN, token="nope")
    window = await opened(make_window(lambda: wrong))
    assert window.result.text() == "The PBX refused the API token. Check the token in the settings."
    assert window.employees.rowCount() == 0


async def test_partial_failure_keeps_what_loaded(sim, pbx, make_window):
    sim.api.faults.add("numbers", 500, 2)  # reads are retried once only on connection errors
    window = await opened(make_window(lambda: pbx))
    assert window.employees.rowCount() == 12 and window.numbers.rowCount() == 0
    assert window.result.text() == "The PBX reported an error (HTTP 500): simulated failure of numbers"
    window.refresh_button.click()
    await window.wait_idle()
    assert window.numbers.rowCount() == 0  # the second forced failure
    window.refresh()
    await window.wait_idle()
    assert window.numbers.rowCount() == 4 and window.result.text().startswith("Employees: 12.")


async def test_selection_is_kept_across_refresh_and_filter_finds(pbx, make_window):
    window = await opened(make_window(lambda: pbx))
    window.select_employee("709")
    window.refresh()
    await window.wait_idle()
    assert window._selected_employee().extension == "709"
    window.filter.setText("фёдоров")
    assert column(window.employees, 0) == ["709"]
    window.filter.setText("71")
    assert column(window.employees, 0) == ["710", "711", "712"]
    window.filter.clear()
    assert len(column(window.employees, 0)) == 12


@pytest.fixture
async def slow_pbx(slow_pbx_answering):
    return await slow_pbx_answering([])


async def test_slow_pbx_can_be_cancelled_and_esc_closes(slow_pbx, http, make_window):
    slow = PbxClient(http, api_url=slow_pbx.server.url, domain=DOMAIN, token=TOKEN)
    window = make_window(lambda: slow)
    await shown_active(window)
    await slow_pbx.arrived.wait()
    assert window.cancel_button.isVisible() and not window.refresh_button.isEnabled()
    QTest.keyClick(window.filter, Qt.Key.Key_Escape)  # first Esc cancels
    await window.wait_idle()
    assert window.result.text() == "Cancelled."
    assert window.refresh_button.isEnabled() and not window.cancel_button.isVisible()
    QTest.keyClick(window.filter, Qt.Key.Key_Escape)  # then it closes
    assert not window.isVisible()


async def test_geometry_is_remembered(pbx, make_window):
    window = await opened(make_window(lambda: pbx))
    window.setGeometry(30, 40, 700, 500)
    shown = window.geometry()
    window.close()
    again = await opened(make_window(lambda: pbx))
    assert again.geometry() == shown
