"""Smoke test of an installed Gravitel Desk: a bundle, a wheel in a venv, any command.

    python3 packaging/smoke.py dist/gravitel-desk/gravitel-desk
    python3 packaging/smoke.py /tmp/venv/bin/gravitel-desk
    python3 packaging/smoke.py python3 -m desktop_app

The command must answer ``--version``; then it is started with ``--demo`` offscreen, in
Russian, from an empty folder outside the source tree. It must reach the tray (the log
says "desk started"), serve ``/health`` on its listener, log no warning, print nothing
on stderr but the offscreen platform's notes (``qt.svg: Cannot open file`` and the like
would show there), quit with status 0 on SIGTERM and remove its throw-away profile.
Standard library only: CI runs it with the system's Python against the bundle.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT_S = 60.0
QUIT_TIMEOUT_S = 20.0
POLL_S = 0.01
# What the offscreen platform says about every top-level window: nothing is wrong.
OFFSCREEN_NOTES = re.compile(r"^This plugin does not support (propagateSizeHints|raise)\(\)$")
LISTENER_LINE = re.compile(r"webhook listener on (\S+)")
STARTED_LINE = "desk started on profile"
BAD_LOG_LINE = re.compile(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) ")


class SmokeError(AssertionError):
    pass


@dataclass
class Report:
    version: str = ""
    start_to_tray_s: float = 0.0
    health: dict = field(default_factory=dict)
    quit_s: float = 0.0
    log: str = ""
    stderr: str = ""


def clean_environment(tmp: Path, language: str = "ru") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GRAVITEL_DESK_")}
    env.update(QT_QPA_PLATFORM="offscreen", TMPDIR=str(tmp))
    if language == "ru":
        env.update(LANG="ru_RU.UTF-8", LANGUAGE="ru")
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    return env


def _demo_log(tmp: Path) -> Path | None:
    found = sorted(tmp.glob("gravitel-desk-demo-*/logs/gravitel-desk.log"))
    return found[0] if found else None


def _wait_started(process: subprocess.Popen, tmp: Path, timeout: float) -> tuple[Path, str]:
    """The demo's log once it says the desk is in the tray, and its listener's URL."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SmokeError(f"the app exited with status {process.returncode} before it started")
        log = _demo_log(tmp)
        text = log.read_text(encoding="utf-8", errors="replace") if log else ""
        if STARTED_LINE in text:
            url = LISTENER_LINE.search(text)
            if url is None:
                raise SmokeError("the desk started without its webhook listener:\n" + text)
            return log, url.group(1)
        time.sleep(POLL_S)
    raise SmokeError(f"the desk did not reach the tray within {timeout:.0f} s")


def _health(url: str) -> dict:
    with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=10) as answer:
        if answer.status != 200:
            raise SmokeError(f"/health answered {answer.status}")
        return json.loads(answer.read())


def check_version(command: list[str], env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run([*command, "--version"], capture_output=True, text=True, env=env, cwd=cwd, timeout=60)
    version = result.stdout.strip()
    if result.returncode != 0 or not version.startswith("Gravitel Desk "):
        raise SmokeError(f"--version: status {result.returncode}, {result.stdout!r} {result.stderr!r}")
    return version


def start_and_quit(command: list[str], env: dict[str, str], tmp: Path) -> Report:
    """Start ``command --demo``, check it while it runs, SIGTERM it, check what it left."""
    report = Report()
    stderr_path = tmp / "stderr.txt"
    started = time.monotonic()
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen([*command, "--demo"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=stderr, env=env, cwd=tmp)
    try:
        log, url = _wait_started(process, tmp, START_TIMEOUT_S)
        report.start_to_tray_s = time.monotonic() - started
        report.health = _health(url)
        report.log = log.read_text(encoding="utf-8", errors="replace")
        profile = log.parent.parent
        quitting = time.monotonic()
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=QUIT_TIMEOUT_S)
        report.quit_s = time.monotonic() - quitting
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    report.stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
    problems = []
    if status != 0:
        problems.append(f"exit status {status} after SIGTERM")
    if report.health != {"status": "ok"}:
        problems.append(f"/health answered {report.health!r}")
    bad_log = [line for line in report.log.splitlines() if BAD_LOG_LINE.match(line)]
    if bad_log:
        problems.append("the log has warnings:\n  " + "\n  ".join(bad_log))
    bad_stderr = [line for line in report.stderr.splitlines() if line.strip() and not OFFSCREEN_NOTES.match(line)]
    if bad_stderr:
        problems.append("stderr:\n  " + "\n  ".join(bad_stderr))
    if profile.exists():
        problems.append(f"the demo profile was left behind: {profile}")
    if problems:
        raise SmokeError("; ".join(problems))
    return report


def smoke(command: list[str], language: str = "ru") -> Report:
    with tempfile.TemporaryDirectory(prefix="gravitel-desk-smoke-") as folder:
        tmp = Path(folder)
        env = clean_environment(tmp, language)
        version = check_version(command, env, tmp)
        report = start_and_quit(command, env, tmp)
        report.version = version
        return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", choices=("ru", "en"), default="ru", help="the system language to start in")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="how to run gravitel-desk")
    args = parser.parse_args(argv)
    if not args.command:
        parser.error("name the command to test")
    try:
        report = smoke(args.command, args.language)
    except (SmokeError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"smoke test of {' '.join(args.command)} FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"{report.version}: tray in {report.start_to_tray_s:.2f} s, /health {report.health}, "
          f"quit in {report.quit_s:.2f} s, no warnings, demo profile removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
