"""One round trip through a real Secret Service (gnome-keyring on a private D-Bus).

`.ci/run` installs gnome-keyring and dbus; elsewhere the test says why it skips.
"""

import shutil
import subprocess
import sys
import textwrap

import pytest

PROGRAMS = ("dbus-run-session", "gnome-keyring-daemon")

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import keyring
    from desktop_app.core import secret_store
    from desktop_app.core.profile import Profile

    backend = keyring.get_keyring()
    print("backend", type(backend).__module__)
    profile = Profile(Path(sys.argv[1]))
    secret_store.set_token(profile, "crm", "real-keyring-secret")
    print("read", secret_store.get_token(profile, "crm"))
    print("cleared", secret_store.clear_token(profile, "crm"), secret_store.get_token(profile, "crm"))
    """
)


@pytest.mark.slow
def test_token_round_trip_through_gnome_keyring(tmp_path):
    missing = [p for p in PROGRAMS if shutil.which(p) is None]
    if missing:
        pytest.skip(f"no real Secret Service here: {', '.join(missing)} not installed (apt-get install gnome-keyring dbus-daemon)")
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    command = (
        'eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"; '
        f'exec "{sys.executable}" "{script}" "{tmp_path / "profile"}"'
    )
    result = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", command],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "backend keyring.backends.SecretService" in lines
    assert "read real-keyring-secret" in lines
    assert "cleared True None" in lines
    assert "real-keyring-secret" not in "".join(p.read_text(errors="ignore") for p in tmp_path.rglob("*.toml"))
