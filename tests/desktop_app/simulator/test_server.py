"""The Simulator object and the ``gravitel-desk simulator`` command."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import subprocess
import sys
import wave
from pathlib import Path

import httpx
import pytest

from desktop_app.simulator import Delays, Simulator, run_simulator
from desktop_app.simulator.server import build_parser, main

REPO = Path(__file__).resolve().parents[3]


async def test_recordings_are_served_as_wav(sim):
    answered = next(r for r in sim.state.calls if r.recorded)
    missed = next(r for r in sim.state.calls if r.kind == "missed")
    async with httpx.AsyncClient(base_url=sim.url) as http:
        response = await http.get(f"/records/{sim.domain}/{answered.id}.wav")
        assert response.status_code == 200
        assert response.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(response.content)) as wav:
            assert wav.getframerate() == 8000 and wav.getnframes() > 8000
        head = await http.head(f"/records/{sim.domain}/{answered.id}.wav")
        assert head.status_code == 200 and head.content == b""
        for path in (
            f"/records/{sim.domain}/{missed.id}.wav",
            f"/records/{sim.domain}/0000000000000000.wav",
            f"/records/other.aicall.ru/{answered.id}.wav",
            f"/records/{sim.domain}/{answered.id}.mp3",
        ):
            assert (await http.get(path)).status_code == 404, path
        assert (await http.post(f"/records/{sim.domain}/{answered.id}.wav")).status_code == 405


async def test_root_and_unknown_paths(sim):
    async with httpx.AsyncClient(base_url=sim.url) as http:
        root = (await http.get("/")).json()
        assert root["api"] == f"{sim.url}/v1/{sim.domain}/" and root["domain"] == sim.domain
        assert (await http.get("/favicon.ico")).status_code == 404
        assert (await http.post("/")).status_code == 405


async def test_binds_loopback_and_two_can_share_a_loop():
    async with Simulator(seed=1) as first, Simulator(seed=1, domain="b.aicall.ru", token="t2") as second:
        assert first.url.startswith("http://127.0.0.1:") and first.port != second.port
        async with httpx.AsyncClient() as http:
            response = await http.get(f"{second.url}/v1/b.aicall.ru/accounts", headers={"X-API-KEY": "t2"})
            assert response.status_code == 200
            response = await http.get(f"{first.url}/v1/b.aicall.ru/accounts", headers={"X-API-KEY": "t2"})
            assert response.status_code == 401


async def test_same_seed_same_history_and_none_differs():
    one, two, other = Simulator(seed=4), Simulator(seed=4), Simulator()
    try:
        assert [r.id for r in one.state.calls] == [r.id for r in two.state.calls]
        assert [r.id for r in one.state.calls] != [r.id for r in other.state.calls]
    finally:
        for sim in (one, two, other):
            await sim.close()


async def test_close_cancels_calls_in_progress_and_is_idempotent():
    sim = Simulator(delays=Delays(ring=3600, talk=0, wrap=0, queue=3600, robot=0))
    await sim.start()
    sim.player.ring()
    assert sim.player._tasks
    await sim.close()
    assert not sim.player._tasks
    await sim.close()


def test_bad_arguments():
    with pytest.raises(ValueError):
        Simulator(token="")
    with pytest.raises(ValueError):
        Simulator(ring_every=0)
    parser = build_parser()
    for argv in (["--port", "70000"], ["--crm-url", "ftp://x"], ["--domain", "a/b"], ["--ring-every", "0"],
                 ["--what"]):
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args(argv)
        assert exit_info.value.code == 2


async def test_run_simulator_prints_one_line_and_stops():
    stop = asyncio.Event()
    out = io.StringIO()
    task = asyncio.get_running_loop().create_task(
        run_simulator(0, "line.aicall.ru", "line-token", stop=stop, out=out)
    )
    while not out.getvalue():
        await asyncio.sleep(0.01)
    line = out.getvalue()
    assert line.count("\n") == 1
    assert "http://127.0.0.1:" in line and "line.aicall.ru" in line and "line-token" in line
    url = line.split()[3]
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{url}/v1/line.aicall.ru/groups", headers={"X-API-KEY": "line-token"})
        assert response.status_code == 200
    stop.set()
    await task


def test_main_refuses_an_unreadable_ca(tmp_path, capsys):
    assert main(["--crm-ca", str(tmp_path / "missing.pem")]) == 2
    assert "--crm-ca" in capsys.readouterr().err


def test_main_reports_a_busy_port(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_command_runs_until_sigterm(tmp_path):
    """``gravitel-desk simulator`` end to end: the token comes from the environment."""
    env = dict(os.environ, GRAVITEL_DESK_API_TOKEN="env-token", PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "simulator", "--port", "0", "--domain", "cli.aicall.ru"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Gravitel PBX simulator: http://127.0.0.1:")
        assert "cli.aicall.ru" in line and "env-token" in line
        url = line.split()[3]
        response = httpx.get(f"{url}/v1/cli.aicall.ru/numbers", headers={"X-API-KEY": "env-token"})
        assert response.status_code == 200
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert stdout == ""  # one line only
