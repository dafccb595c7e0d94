import asyncio
import json
import subprocess
import sys
from pathlib import Path

from desktop_app.gui.app import Desk
from desktop_app.settings import Settings


CHILD = str(Path(__file__).parents[2] / "ipc_child.py")


async def second_start(profile, *argv):
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-P", CHILD, str(profile.root), "send", *argv],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def start_desk(profile, **kwargs):
    desk = Desk(profile, Settings(), **kwargs)
    task = asyncio.ensure_future(desk.run())
    await asyncio.wait_for(desk.started.wait(), 10)
    return desk, task


async def test_desk_starts_shows_itself_and_quits_cleanly(profile):
    desk, task = await start_desk(profile)
    assert desk.tray.status_window.isVisible()  # offscreen has no tray: the window shows instead
    desk.request_quit()
    assert await asyncio.wait_for(task, 10) == 0
    assert not desk.tray.status_window.isVisible()
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert others == []


async def test_second_start_is_handed_to_the_first(profile):
    desk, task = await start_desk(profile)
    try:
        desk.tray.status_window.hide()
        reply = await second_start(profile, "show")
        assert reply == {"v": 1, "ok": True, "message": ""}
        assert desk.tray.status_window.isVisible()
        reply = await second_start(profile, "dance")
        assert reply["ok"] is False and "dance" in reply["message"]
    finally:
        desk.request_quit()
        await asyncio.wait_for(task, 10)
