import asyncio
import contextlib
import json
import subprocess
import sys
from pathlib import Path

import shiboken6

from desktop_app.core.settings import Settings
from desktop_app.gui.shell.app import Desk

CHILD = str(Path(__file__).parents[3] / "ipc_child.py")


async def second_start(profile, *argv):
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-P", CHILD, str(profile.root), "send", *argv],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@contextlib.asynccontextmanager
async def running_desk(profile, settings, **kwargs):
    """A desk running on this test's loop; it must quit cleanly at the end."""
    desk = Desk(profile, settings, **kwargs)
    task = asyncio.ensure_future(desk.run())
    await asyncio.wait_for(desk.started.wait(), 10)
    try:
        yield desk
    finally:
        desk.request_quit()
        assert await asyncio.wait_for(task, 10) == 0


async def test_desk_starts_shows_itself_and_quits_cleanly(profile):
    desk = Desk(profile, Settings())
    task = asyncio.ensure_future(desk.run())
    await asyncio.wait_for(desk.started.wait(), 10)
    assert desk.tray.status_window.isVisible()  # offscreen has no tray: the window shows instead
    window = desk.tray.status_window
    desk.request_quit()
    assert await asyncio.wait_for(task, 10) == 0
    assert not shiboken6.isValid(window) or not window.isVisible()  # closed, then deleted by Qt
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert others == []


async def test_second_start_is_handed_to_the_first(profile):
    async with running_desk(profile, Settings()) as desk:
        desk.tray.status_window.hide()
        reply = await second_start(profile, "show")
        assert reply == {"v": 1, "ok": True, "message": ""}
        assert desk.tray.status_window.isVisible()
        reply = await second_start(profile, "dance")
        assert reply["ok"] is False and "dance" in reply["message"]


async def wait_until(predicate, timeout=10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def test_without_crm_token_the_listener_says_why(profile, memory_keyring):
    async with running_desk(profile, Settings()) as desk:
        assert desk.listener is not None and not desk.listener.state.running
        assert "gravitel-desk token set crm" in desk.status.lines.listener
        assert "domain is not set" in desk.status.lines.pbx


async def test_webhooks_reach_the_call_log(profile, memory_keyring):
    import httpx

    from desktop_app.core import secret_store

    secret_store.set_token(profile, "crm", "crm-secret-1")
    settings = Settings()
    settings.listener.port = 0
    async with running_desk(profile, settings) as desk:
        assert desk.listener.state.running
        assert desk.status.lines.listener_url == desk.listener.url
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"{desk.listener.url}/event", headers={"X-API-KEY": "crm-secret-1"},
                                       json={"id": "c1", "direction": "In", "stage": "Alerting",
                                             "client": "79991234567", "extension": "701"})
        assert answer.status_code == 200
        await wait_until(lambda: desk.call_log.get("c1") is not None)
        assert "1 webhooks, the last at " in desk.status.lines.listener  # the tray tooltip's line
        assert desk.call_log.last_calls("8 999 123-45-67")[0].call_id == "c1"


async def test_demo_desk_talks_to_its_simulator(profile, monkeypatch):
    from desktop_app.demo import Demo

    monkeypatch.setattr("desktop_app.demo.FIRST_RING_S", 0.05)
    async with running_desk(profile, Settings(), demo=Demo(profile)) as desk:
        assert desk.status.lines.pbx == "demo.aicall.ru" and desk.listener.state.running
        assert desk.contacts.count() > 0
        await wait_until(lambda: desk.call_log.count() > 0)
        await wait_until(lambda: bool(desk.cards.visible_cards))  # the first ring shows a caller card
        card = desk.cards.visible_cards[0]
        assert card.isVisible()
        await wait_until(lambda: bool(desk.status.lines.balance))  # through the 10-minute gate
        assert "₽" in desk.status.lines.balance or "RUB" in desk.status.lines.balance
        ok, message = await desk.handle_command(["call", "8 999 123-45-67"])
        assert ok, message
        assert "701" in message and "+7 999 123-45-67" in message
        ok, message = await desk.handle_command(["sms", "79991234567", "Добрый день"])
        assert ok, message
        ok, message = await desk.handle_command(["call", "not-a-number"])
        assert not ok and "not-a-number" in message
        assert desk.campaigns.count(1) == 12  # the demo campaign, queued at the start
        assert desk.campaigns_window.campaign_id == 1


async def test_tel_link_from_a_second_process_is_called_by_the_running_desk(profile, monkeypatch):
    from desktop_app.demo import Demo

    monkeypatch.setattr("desktop_app.demo.FIRST_RING_S", 3600)  # keep the simulator quiet
    async with running_desk(profile, Settings(), demo=Demo(profile)) as desk:
        result = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "desktop_app", "--profile", str(profile.root), "tel:+7-916-111-22-33"],
            capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "+7 916 111-22-33" in result.stdout and "701" in result.stdout
        assert "+7 916 111-22-33" in desk.dial.result.text()  # the operator sees it in the dial window too
        result = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "desktop_app", "--profile", str(profile.root), "call", "garbage"],
            capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == 1 and "garbage" in result.stderr


async def test_low_balance_is_shown_in_the_warning_colour(profile, monkeypatch):
    from desktop_app.demo import Demo
    from desktop_app.gui.windows.balance_view import BalanceLabel

    monkeypatch.setattr("desktop_app.demo.FIRST_RING_S", 3600)
    settings = Settings()
    async with running_desk(profile, settings, demo=Demo(profile)) as desk:
        await wait_until(lambda: bool(desk.status.lines.balance))
        label = desk.tray.status_window.findChild(BalanceLabel)
        assert label is not None and label.isVisible()
        digits = "".join(ch for ch in label.text() if ch.isdigit())
        assert "123456" in digits  # the simulator's 1234.56, however the locale groups it
        assert "color" not in label.styleSheet()  # 1234.56 is above the default 500
        desk.balance.warn_below = 5000
        await wait_until(lambda: "color" in label.styleSheet())


async def test_two_quick_saves_leave_one_listener(profile, memory_keyring):
    import httpx

    from desktop_app.core import secret_store

    secret_store.set_token(profile, "crm", "crm-secret-2")
    settings = Settings()
    settings.listener.port = 0
    async with running_desk(profile, settings) as desk:
        first = desk.listener
        window = desk.settings_window
        window.path_prefix.setText("/gravitel")
        window.save()
        window.path_prefix.setText("/desk")
        window.save()
        # While the second restart closes the "/gravitel" listener, it still says running but
        # has no url any more: read it as "not there yet".
        await wait_until(lambda: desk.listener is not first and desk.listener.state.running
                         and (desk.listener.url or "").endswith("/desk") and not desk._tasks)
        assert not first.state.running
        async with httpx.AsyncClient() as client:
            assert (await client.get(desk.listener.url + "/health")).status_code == 200
        window.crm_template.setText("https://crm.example/{number}")
        current = desk.listener
        window.save()  # nothing of the listener changed: it is not restarted
        await asyncio.sleep(0.1)
        assert desk.listener is current and current.state.running


async def test_quit_does_not_wait_for_an_unanswered_question(profile, monkeypatch):
    from desktop_app.demo import Demo

    monkeypatch.setattr("desktop_app.demo.FIRST_RING_S", 3600)
    desk = Desk(profile, Settings(), demo=Demo(profile))
    task = asyncio.ensure_future(desk.run())
    await asyncio.wait_for(desk.started.wait(), 10)
    employees = desk.employees
    employees.show()
    await wait_until(lambda: employees.employees.rowCount() > 0)
    employees.select_employee("701")
    employees.remove_callerid()
    await wait_until(lambda: employees.confirm_box is not None)  # the operator walked away
    desk.request_quit()
    assert await asyncio.wait_for(task, 10) == 0


async def test_a_broken_database_is_explained_not_a_traceback(profile):
    profile.db_path.write_bytes(b"this is not a database" * 100)
    desk = Desk(profile, Settings())
    assert await asyncio.wait_for(desk.run(), 10) == 1
    log = (profile.logs_dir / "gravitel-desk.log")
    assert not log.exists() or "Traceback" not in log.read_text() or "could not start" in log.read_text()


async def test_a_failed_call_without_tray_notifications_opens_the_dial_window(profile, memory_keyring):
    async with running_desk(profile, Settings()) as desk:
        assert not desk.tray.can_notify
        ok, message = await desk.place_call("79991234567")
        assert not ok and "extension" in message
        assert desk.dial.isVisible() and message in desk.dial.result.text()


async def test_a_token_saved_in_settings_applies_at_once(profile, memory_keyring):
    settings = Settings()
    settings.pbx.domain = "office.aicall.ru"
    async with running_desk(profile, settings) as desk:
        assert "token" in desk.status.lines.pbx  # no api token yet
        desk.settings_window.api_token.field.setText("fresh-api-token")
        desk.settings_window.api_token.save()
        assert desk.status.lines.pbx == "office.aicall.ru"
        assert desk.pbx_client().domain == "office.aicall.ru"


async def test_robot_reports_reach_the_campaigns_window_and_its_rules_survive_a_settings_save(profile,
                                                                                           memory_keyring):
    import httpx

    from desktop_app.core import secret_store
    from desktop_app.core import settings as settings_module
    from desktop_app.core.settings import CallbackRule

    secret_store.set_token(profile, "crm", "crm-secret-3")
    settings = Settings()
    settings.listener.port = 0
    settings.campaigns.callback_rules = [CallbackRule(name="Перенести", var="someAnswer", equals="перенести")]
    async with running_desk(profile, settings) as desk:
        assert "Robot campaigns" in [entry.title() for entry in desk.windows.entries]
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"{desk.listener.url}/campaign/report", headers={"X-API-KEY": "crm-secret-3"},
                                       json={"id": "r1", "final": True, "result": "Success", "when": 1_700_000_000,
                                             "vars": {"someAnswer": "Перенести", "phone": "79991234567"}})
        assert answer.status_code == 200
        await wait_until(lambda: desk.campaigns.get("r1") is not None)
        assert [item.call_id for item in desk.campaigns.callbacks()] == ["r1"]
        calls = []
        desk.campaigns_window.call_requested.disconnect()
        desk.campaigns_window.call_requested.connect(calls.append)
        desk.campaigns_window.show()
        desk.campaigns_window.tabs.setCurrentIndex(2)
        desk.campaigns_window.callbacks_table.selectRow(0)
        desk.campaigns_window.call_button.click()
        assert calls == ["+79991234567"]

        rules = desk.campaigns_window.rules_tab
        rules.add_button.click()
        rules.table.cellWidget(1, 4).setText("agreed")
        rules.save_button.click()
        assert len(desk.settings.campaigns.callback_rules) == 2
        desk.settings_window.balance_warn.setValue(123)
        desk.settings_window.save()  # its own copy of the settings must not drop the new rule
        saved = settings_module.load(profile.config_path)
        assert saved.ui.balance_warn_below == 123 and len(saved.campaigns.callback_rules) == 2


async def test_in_relay_mode_the_campaigns_window_shares_the_relays_call_back_list(profile, memory_keyring):
    from desktop_app.core import secret_store

    secret_store.set_token(profile, "relay", "gdr_desk-token")
    settings = Settings()
    settings.listener.port = 0
    settings.relay.url = "http://127.0.0.1:9"  # nobody there: the list says so in words
    async with running_desk(profile, settings) as desk:
        window = desk.campaigns_window
        assert window._shared is not None and window._shared.url == "http://127.0.0.1:9"
        assert not window.rules_tab.isEnabled()
        window.show()
        await window.wait_idle()
        assert window.callbacks_count.text().startswith("Cannot reach the relay at http://127.0.0.1:9")
        window.close()
