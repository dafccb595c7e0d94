"""The balance monitor against the simulator over real HTTP."""


import pytest
from PySide6.QtCore import QLocale

from desktop_app.gui.windows.balance_view import BalanceLabel, BalanceMonitor, money
from desktop_app.pbx.balance_gate import BalanceGate
from desktop_app.pbx.client import PbxClient
from desktop_app.simulator import Delays, Simulator

DOMAIN = "test.aicall.ru"  # as in conftest.py
TOKEN = "sim-token"
RUSSIAN = QLocale(QLocale.Language.Russian, QLocale.Country.Russia)
ENGLISH = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


class FakeClock:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture(autouse=True)
def english():
    before = QLocale()
    QLocale.setDefault(ENGLISH)
    yield
    QLocale.setDefault(before)


@pytest.fixture
async def sim(http, clock):
    # Depends on http so the simulator closes first: its connections end while the loop runs.
    simulator = Simulator(domain=DOMAIN, token=TOKEN, delays=Delays.none(), seed=5, clock=clock)
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
async def make_monitor(pbx, clock):
    made = []

    def make(client=pbx, warn_below=500.0):
        monitor = BalanceMonitor(BalanceGate(client.balance, clock=clock), warn_below)
        made.append(monitor)
        return monitor

    yield make
    for monitor in made:
        await monitor.close()


def test_money_follows_the_locale():
    assert money(1234.56, RUSSIAN) == "1\xa0234,56\xa0₽"
    assert money(1234.56, ENGLISH) == "₽1,234.56"


async def test_balance_with_its_age(sim, make_monitor, clock):
    monitor = make_monitor()
    assert monitor.text == "asking the PBX…" and not monitor.is_low
    changes = []
    monitor.changed.connect(lambda: changes.append(monitor.text))
    monitor.start()
    await monitor.wait_idle()
    assert monitor.text == "₽1,234.56, just now"
    clock.value += 3 * 60 + 5
    monitor.tick()  # the gate forbids asking: only the age moves on
    assert monitor.text == "₽1,234.56, 3 min ago"
    assert changes == ["₽1,234.56, just now", "₽1,234.56, 3 min ago"]
    clock.value += 2 * 3600
    assert monitor.text == "₽1,234.56, 2 h 3 min ago"


async def test_russian_text(sim, make_monitor):
    QLocale.setDefault(RUSSIAN)
    monitor = make_monitor()
    await monitor.update()
    assert monitor.text.startswith("1\xa0234,56\xa0₽, ")


async def test_timer_asks_again_once_the_gate_opens(sim, make_monitor, clock):
    monitor = make_monitor()
    await monitor.update()
    sim.state.balance = 999.5
    clock.value += 599
    monitor.tick()
    await monitor.wait_idle()
    assert monitor.text.startswith("₽1,234.56")  # still the cached answer: no request
    clock.value += 1
    monitor.tick()
    await monitor.wait_idle()
    assert monitor.text == "₽999.50, just now" and monitor.error == ""


async def test_low_balance_is_flagged_in_the_warning_colour(qtbot, sim, make_monitor):
    sim.state.balance = 120.0
    monitor = make_monitor(warn_below=500.0)
    label = BalanceLabel(monitor)
    qtbot.addWidget(label)
    assert "color" not in label.styleSheet()
    await monitor.update()
    assert monitor.is_low
    assert label.text() == "Balance: ₽120.00, just now"
    assert "color" in label.styleSheet()
    assert "Below ₽500.00: top up the PBX account." in label.toolTip()
    monitor.warn_below = 100.0
    assert not monitor.is_low and "color" not in label.styleSheet()


async def test_a_429_is_shown_as_such(sim, make_monitor):
    first = make_monitor()
    await first.update()
    other = make_monitor()  # another desk's gate: the PBX itself refuses
    await other.update()
    assert other.text == (
        "The PBX allows one balance request every 10 min and refused this one. Try again in 10 min.")
    assert other.reading is None


async def test_forced_refresh_inside_the_window_says_when(sim, make_monitor, clock):
    monitor = make_monitor()
    await monitor.update()
    clock.value += 4 * 60
    monitor.refresh(force=True)
    await monitor.wait_idle()
    assert monitor.text == "₽1,234.56, 4 min ago"  # the last balance stays
    assert monitor.error == "The PBX allows one balance request every 10 min. Try again in 6 min."
    assert monitor.tooltip.endswith(monitor.error)


async def test_wrong_token_is_explained(sim, http, make_monitor):
    monitor = make_monitor(PbxClient(http, api_url=sim.url, domain=DOMAIN, token="nope"))
    await monitor.update()
    assert monitor.text == "The PBX refused the API token. Check the token in the settings."


async def test_credit_is_in_the_tooltip(sim, make_monitor):
    sim.state.credit = 300.0
    monitor = make_monitor()
    await monitor.update()
    assert monitor.tooltip.splitlines()[1] == "Credit: ₽300.00"


@pytest.fixture
async def slow_pbx(slow_pbx_answering):
    return await slow_pbx_answering({"balance": 1, "credit": 0})


async def test_slow_pbx_does_not_block_and_close_stops_it(slow_pbx, http, make_monitor):
    monitor = make_monitor(PbxClient(http, api_url=slow_pbx.server.url, domain=DOMAIN, token=TOKEN))
    monitor.start()
    await slow_pbx.arrived.wait()
    assert monitor.text == "asking the PBX…"
    monitor.refresh()  # one request at a time
    await monitor.close()
    assert monitor.text == "asking the PBX…"
