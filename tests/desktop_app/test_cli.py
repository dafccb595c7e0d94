import io
import subprocess
import sys
import textwrap

import pytest

from desktop_app import cli
from desktop_app.core import secret_store
from desktop_app.core.profile import Profile


def run_cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", *argv], capture_output=True, text=True, timeout=60)


def test_version_answers_without_qt():
    probe = textwrap.dedent(
        """
        import sys
        from desktop_app.cli import main
        try:
            main(["--version"])
        except SystemExit as exit:
            assert exit.code == 0
        assert not any(name.startswith("PySide6") for name in sys.modules), "Qt was imported"
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Gravitel Desk ")


def test_token_status_without_qt_and_without_keyring(tmp_path):
    probe = textwrap.dedent(
        f"""
        import sys
        import keyring
        from keyring.backends import fail
        keyring.set_keyring(fail.Keyring())
        from desktop_app.cli import main
        code = main(["--profile", {str(tmp_path)!r}, "token", "status"])
        assert code == 0
        assert not any(name.startswith("PySide6") for name in sys.modules), "Qt was imported"
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "api: unavailable" in result.stdout
    assert "GRAVITEL_DESK_API_TOKEN" in result.stdout


def test_token_set_reads_stdin_and_never_echoes(tmp_path, memory_keyring, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret-token\n"))
    assert cli.main(["--profile", str(tmp_path), "token", "set", "api"]) == 0
    out = capsys.readouterr()
    assert "s3cret-token" not in out.out + out.err
    profile = Profile.resolve(tmp_path)
    assert secret_store.get_token(profile, "api") == "s3cret-token"
    assert cli.main(["--profile", str(tmp_path), "token", "status"]) == 0
    assert "api: keyring" in capsys.readouterr().out
    assert cli.main(["--profile", str(tmp_path), "token", "clear", "api"]) == 0
    assert secret_store.get_token(profile, "api") is None


def test_empty_token_is_one_clear_line(tmp_path, memory_keyring, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert cli.main(["--profile", str(tmp_path), "token", "set", "crm"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gravitel-desk: ") and err.count("\n") == 1


def test_profile_from_environment(tmp_path, monkeypatch, memory_keyring, capsys):
    monkeypatch.setenv("GRAVITEL_DESK_PROFILE", str(tmp_path / "envprof"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("abc-token\n"))
    assert cli.main(["token", "set", "crm"]) == 0
    assert secret_store.get_token(Profile(tmp_path / "envprof"), "crm") == "abc-token"


@pytest.mark.parametrize(
    ("argv", "number"),
    [
        (["tel:+79991234567"], "tel:+79991234567"),
        (["--profile", "/p", "callto:89991234567"], "callto:89991234567"),
        (["call", "8 999 123-45-67"], "8 999 123-45-67"),
    ],
)
def test_uri_and_call_forms(argv, number):
    args = cli.parse(argv)
    assert args.command == "call" and args.number == number
    assert cli.forwarded_argv(args)[:2] == ["call", number]


def test_call_with_caller_id_and_sms_forwarding_forms():
    args = cli.parse(["call", "79991234567", "--clid", "74951112233"])
    assert cli.forwarded_argv(args) == ["call", "79991234567", "--clid", "74951112233"]
    args = cli.parse(["sms", "79991234567", "Добрый день"])
    assert cli.forwarded_argv(args) == ["sms", "79991234567", "Добрый день"]


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("call", "sms", "token", "contacts", "simulator", "--profile", "--demo"):
        assert word in result.stdout


def test_unknown_command_is_refused():
    result = run_cli("dance")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_contacts_import_and_export_from_the_command_line(tmp_path):
    source = tmp_path / "contacts.csv"
    source.write_bytes("ФИО;Компания;Телефон\nИванов Иван;ООО Ромашка;8 999 123-45-67\n;;\nБез номера;ООО;\n".encode("cp1251"))
    result = run_cli("--profile", str(tmp_path / "p"), "contacts", "import", str(source))
    assert result.returncode == 0, result.stderr
    assert "1" in result.stdout.splitlines()[0]
    assert "Line 4" in result.stderr  # the row without a number, reported and skipped
    exported = tmp_path / "out.csv"
    result = run_cli("--profile", str(tmp_path / "p"), "contacts", "export", str(exported))
    assert result.returncode == 0, result.stderr
    text = exported.read_text(encoding="utf-8-sig")
    assert "Иванов Иван" in text and "+7 999 123-45-67" in text
    old_excel = tmp_path / "old.csv"
    result = run_cli("--profile", str(tmp_path / "p"), "contacts", "export", str(old_excel), "--encoding", "cp1251")
    assert result.returncode == 0, result.stderr
    assert old_excel.read_bytes() == exported.read_bytes().decode("utf-8-sig").encode("cp1251")


def test_contacts_import_of_a_missing_file_is_one_clear_line(tmp_path):
    result = run_cli("--profile", str(tmp_path / "p"), "contacts", "import", str(tmp_path / "nope.csv"))
    assert result.returncode == 1
    assert result.stderr.startswith("gravitel-desk: ") and result.stderr.count("\n") == 1


async def run_cli_async(*argv: str, env_extra: dict | None = None) -> tuple[int, str, str]:
    import asyncio
    import os

    env = {**os.environ, **(env_extra or {})}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "desktop_app", *argv, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


def configure(profile_dir, api_url: str, domain: str, extension: str = "701") -> None:
    from desktop_app.core import settings

    s = settings.Settings()
    s.pbx.api_url, s.pbx.domain, s.pbx.extension = api_url, domain, extension
    settings.save(s, profile_dir / "config.toml")


async def test_call_and_sms_without_a_running_instance_talk_to_the_pbx(tmp_path):
    from desktop_app.simulator.server import Simulator

    async with Simulator(token="cli-token") as sim:
        configure(tmp_path, sim.url, sim.domain)
        env = {"GRAVITEL_DESK_API_TOKEN": "cli-token"}
        code, out, err = await run_cli_async("--profile", str(tmp_path), "tel:+7-999-123-45-67", env_extra=env)
        assert code == 0, err
        assert "701" in out
        code, out, err = await run_cli_async("--profile", str(tmp_path), "sms", "89991234567", "Добрый день",
                                             env_extra=env)
        assert code == 0, err
        assert sim.describe()["sms"][-1]["text"] == "Добрый день"


@pytest.mark.parametrize(
    ("argv", "token", "expected"),
    [
        (["call", "79991234567"], "wrong-token", "refused the API token"),
        (["call", "not-a-number"], "cli-token", "Not a phone number"),
    ],
)
async def test_failures_are_one_line_and_non_zero(tmp_path, argv, token, expected):
    from desktop_app.simulator.server import Simulator

    async with Simulator(token="cli-token") as sim:
        configure(tmp_path, sim.url, sim.domain)
        code, out, err = await run_cli_async("--profile", str(tmp_path), *argv,
                                             env_extra={"GRAVITEL_DESK_API_TOKEN": token})
    assert code == 1
    assert expected in err and err.count("\n") == 1 and err.startswith("gravitel-desk: ")


async def test_unknown_employee_and_network_errors(tmp_path):
    from desktop_app.simulator.server import Simulator

    async with Simulator(token="cli-token") as sim:
        configure(tmp_path, sim.url, sim.domain, extension="799")
        code, _, err = await run_cli_async("--profile", str(tmp_path), "call", "79991234567",
                                           env_extra={"GRAVITEL_DESK_API_TOKEN": "cli-token"})
        assert code == 1 and "799" in err
        url = sim.url
    configure(tmp_path, url, "demo.aicall.ru")  # the simulator is gone: nobody listens there
    code, _, err = await run_cli_async("--profile", str(tmp_path), "call", "79991234567",
                                       env_extra={"GRAVITEL_DESK_API_TOKEN": "cli-token"})
    assert code == 1 and "Cannot connect" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "command", "expected"),
    [
        (["sms", "79991234567", "Tel: 8 800 555-35-35"], "sms", "Tel: 8 800 555-35-35"),
        (["call", "tel:+79991234567"], "call", "tel:+79991234567"),
        (["call", "79991234567", "--clid", "tel:+74951112233"], "call", "79991234567"),
        (["--profile", "tel:odd-folder", "tel:+79991234567"], "call", "tel:+79991234567"),
    ],
)
def test_uris_are_recognised_only_in_the_command_place(argv, command, expected):
    args = cli.parse(argv)
    assert args.command == command
    assert (args.text if command == "sms" else args.number) == expected


def test_simulator_only_as_the_command():
    args = cli.parse(["--profile", "simulator", "call", "79991234567"])
    assert args.command == "call" and args.profile == "simulator"
    args = cli.parse(["simulator", "--port", "0"])
    assert args.command == "simulator" and args.simulator_args == ["--port", "0"]


def test_an_unusable_profile_is_one_line_not_a_traceback(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    result = run_cli("--profile", str(not_a_folder), "call", "79991234567")
    assert result.returncode == 1
    assert result.stderr.startswith("gravitel-desk: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_the_command_line_knows_every_token_kind():
    from desktop_app import cli
    from desktop_app.core import secret_store

    assert cli.TOKEN_KINDS == secret_store.TOKEN_KINDS


async def test_campaign_queue_send_and_export_from_the_command_line(tmp_path):
    import httpx

    from desktop_app.core import settings
    from desktop_app.simulator import Delays
    from desktop_app.simulator.server import Simulator

    source = tmp_path / "обзвон.csv"
    rows = [f"+7 916 100-{i // 100:02d}-{i % 100:02d};Клиент {i}" for i in range(250)]
    source.write_bytes(("Телефон;Имя\r\n" + "\r\n".join(rows + ["плохой;x"]) + "\r\n").encode("cp1251"))
    env = {"GRAVITEL_DESK_API_TOKEN": "cli-token"}
    async with Simulator(token="cli-token", delays=Delays(queue=3600)) as sim:
        configure(tmp_path, sim.url, sim.domain)
        s = settings.load(tmp_path / "config.toml")
        s.campaigns.batch_size = 100
        settings.save(s, tmp_path / "config.toml")

        code, out, err = await run_cli_async("--profile", str(tmp_path), "campaign", "queue", str(source),
                                             "--campaign", "1", "--check", env_extra=env)
        assert code == 0, err
        assert out.splitlines() == ["обзвон.csv: 251 rows, 250 ready to send, 1 with problems."]
        assert err.splitlines() == [f"{source}: Line 252: Not a phone number: плохой"]
        assert sim.state.campaign_calls == {}

        async with httpx.AsyncClient() as control:  # the first batch fails, and the send stops
            await control.post(f"{sim.url}/control/fail", json={"command": "campaign/callArray", "status": 500})
        code, out, err = await run_cli_async("--profile", str(tmp_path), "campaign", "queue", str(source),
                                             "--campaign", "1", env_extra=env)
        assert code == 1
        assert "Queued 0 of 250 calls; 250 are not queued yet" in out
        assert "100 calls (" in err and "not queued: The PBX reported an error (HTTP 500)" in err

        code, out, err = await run_cli_async("--profile", str(tmp_path), "campaign", "send", "--campaign", "1",
                                             env_extra=env)
        assert code == 0, err
        assert out.splitlines()[-1] == "Queued 250 calls."
        assert err.splitlines() == ["queued 0/250", "queued 100/250", "queued 200/250", "queued 250/250"]
        assert len(sim.state.campaign_calls) == 250

        code, out, err = await run_cli_async("--profile", str(tmp_path), "campaign", "queue", str(source),
                                             "--campaign", "1", env_extra=env)  # the same file again
        assert "0 ready to send, 251 with problems" in out and "is still waiting in campaign 1" in err

    exported = tmp_path / "results.csv"
    code, out, err = await run_cli_async("--profile", str(tmp_path), "campaign", "export", str(exported),
                                         "--campaign", "1", "--encoding", "cp1251")
    assert code == 0, err
    assert out == f"exported 250 calls of campaign 1 to {exported}\n"
    lines = exported.read_bytes().decode("cp1251").splitlines()
    assert lines[0] == "id;number;campaign;state;result;final;attempts;duration;when;Имя"
    assert len(lines) == 251 and ";queued;" in lines[1]


def test_campaign_progress_bar_redraws_one_line_on_a_terminal():
    from desktop_app.campaigns.command import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = ProgressBar(stream)
    bar(0, 4)
    bar(2, 4)
    bar(4, 4)
    bar.end()
    assert stream.getvalue() == ("\r[..............................] 0/4\r[###############...............] 2/4"
                                 "\r[##############################] 4/4\n")
