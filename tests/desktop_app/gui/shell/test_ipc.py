import asyncio
import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.core.profile import Profile
from desktop_app.gui.shell.ipc import AlreadyRunning, IpcServer, send_to_running_instance

CHILD = str(Path(__file__).parents[3] / "ipc_child.py")


async def echo_handler(argv):
    return True, " ".join(argv)


async def second_start(profile: Profile, mode: str, *args: str):
    """What a second start of the profile sees, from a real separate process."""
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-P", CHILD, str(profile.root), mode, *args],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def test_round_trip_and_user_only_socket(profile):
    server = IpcServer(profile, echo_handler)
    server.listen()
    try:
        mode = os.stat(server.server_path).st_mode
        assert stat.S_ISSOCK(mode)
        assert mode & 0o077 == 0, oct(mode)
        reply = await second_start(profile, "send", "call", "79991234567")
        assert reply == {"v": 1, "ok": True, "message": "call 79991234567"}
    finally:
        await server.close()


async def test_no_instance_means_none(profile):
    assert await second_start(profile, "send", "show") is None


async def test_stale_socket_after_a_crash_is_recovered(profile):
    # A crashed instance leaves its socket file with nobody listening behind it.
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), profile.ipc_name)
    if os.path.exists(path):
        os.unlink(path)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)
    stale.close()
    server = IpcServer(profile, echo_handler)
    server.listen()
    try:
        reply = await second_start(profile, "send", "show")
        assert reply["ok"] is True
    finally:
        await server.close()


async def test_second_listener_is_told_another_runs(profile):
    first = IpcServer(profile, echo_handler)
    first.listen()
    try:
        with pytest.raises(AlreadyRunning):
            IpcServer(profile, echo_handler).listen()
    finally:
        await first.close()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b'{"v": 99, "argv": ["show"]}\n', "unsupported protocol"),
        (b"not json\n", "not JSON"),
        (b'{"v": 1, "argv": "show"}\n', "list of strings"),
    ],
)
async def test_bad_messages_get_an_answer_not_a_crash(profile, payload, expected):
    server = IpcServer(profile, echo_handler)
    server.listen()
    try:
        reply = await second_start(profile, "raw", payload.decode())
        assert reply["ok"] is False and expected in reply["message"]
    finally:
        await server.close()


def _start_instance(profile_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen([sys.executable, "-m", "desktop_app", "--profile", str(profile_dir)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    profile = Profile.resolve(profile_dir)
    deadline = time.monotonic() + 30
    while send_to_running_instance(profile, ["show"]) is None:
        if process.poll() is not None:
            pytest.fail(f"instance exited early: {process.communicate()[1]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"instance never listened: {process.communicate()[1]}")
        time.sleep(0.1)
    return process


def _stop(process: subprocess.Popen) -> tuple[int, str]:
    if process.poll() is None:
        process.terminate()
    _, err = process.communicate(timeout=20)
    return process.returncode, err


@pytest.mark.slow
def test_two_real_processes(tmp_path):
    """A second start of the same profile hands over and exits 0; the first runs on."""
    profile_dir = tmp_path / "p"
    first = _start_instance(profile_dir)
    try:
        second = subprocess.run([sys.executable, "-m", "desktop_app", "--profile", str(profile_dir)],
                                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        assert first.poll() is None
    finally:
        code, err = _stop(first)
    assert code == 0, err
    log = (profile_dir / "logs" / "gravitel-desk.log").read_text()
    assert "desk started" in log and "desk stopped" in log


@pytest.mark.slow
def test_instance_killed_by_a_crash_is_replaced(tmp_path):
    profile_dir = tmp_path / "p"
    crashed = _start_instance(profile_dir)
    crashed.kill()  # no cleanup: the socket file and the lock file stay behind
    crashed.communicate(timeout=20)
    assert (profile_dir / "instance.lock").exists()
    successor = _start_instance(profile_dir)
    code, err = _stop(successor)
    assert code == 0, err


@pytest.mark.slow
def test_two_simultaneous_starts_leave_one_instance(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "desktop_app", "--profile", str(tmp_path / "p")]
    racers = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    try:
        deadline = time.monotonic() + 30
        while all(r.poll() is None for r in racers):
            assert time.monotonic() < deadline, "neither racer gave way"
            time.sleep(0.1)
        loser = next(r for r in racers if r.poll() is not None)
        winner = next(r for r in racers if r is not loser)
        assert loser.returncode == 0, loser.communicate()[1]
        time.sleep(0.5)
        assert winner.poll() is None
    finally:
        for racer in racers:
            _stop(racer)
