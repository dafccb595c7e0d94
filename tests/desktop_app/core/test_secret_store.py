import keyring
import pytest
from fake_keyrings import FailingKeyring, LockedKeyring, MemoryKeyring
from keyring.backends import chainer, fail, null

from desktop_app.core import secret_store, settings
from desktop_app.core.profile import Profile
from desktop_app.core.secret_store import SecretStoreError


def test_store_read_clear(profile, memory_keyring):
    assert secret_store.get_token(profile, "api") is None
    secret_store.set_token(profile, "api", "  tok-123\n")
    assert secret_store.get_token(profile, "api") == "tok-123"
    assert secret_store.get_token(profile, "crm") is None
    assert secret_store.clear_token(profile, "api") is True
    assert secret_store.clear_token(profile, "api") is False
    assert secret_store.get_token(profile, "api") is None


def test_entries_are_per_profile_and_per_token(tmp_path, memory_keyring):
    first, second = Profile(tmp_path / "a"), Profile(tmp_path / "b")
    secret_store.set_token(first, "api", "first-api")
    secret_store.set_token(first, "crm", "first-crm")
    secret_store.set_token(second, "api", "second-api")
    assert secret_store.get_token(first, "api") == "first-api"
    assert secret_store.get_token(first, "crm") == "first-crm"
    assert secret_store.get_token(second, "api") == "second-api"
    assert secret_store.get_token(second, "crm") is None
    services = {service for service, _ in memory_keyring.store}
    assert services == {"gravitel-desk"}


def test_environment_overrides_keyring(profile, memory_keyring, monkeypatch):
    secret_store.set_token(profile, "api", "from-keyring")
    monkeypatch.setenv("GRAVITEL_DESK_API_TOKEN", "from-env")
    assert secret_store.get_token(profile, "api") == "from-env"
    statuses = {s.kind: s for s in secret_store.status(profile)}
    assert statuses["api"].source == "env"
    assert statuses["crm"].source == "missing"


def test_environment_works_without_any_keyring(profile, monkeypatch):
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("GRAVITEL_DESK_CRM_TOKEN", "crm-env")
    assert secret_store.get_token(profile, "crm") == "crm-env"


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring(), chainer.ChainerBackend()],
    ids=["fail", "null", "empty-chainer"],
)
def test_unusable_backends_are_refused_with_advice(profile, backend, monkeypatch):
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [], raising=False)
    keyring.set_keyring(backend)
    for call in (
        lambda: secret_store.get_token(profile, "api"),
        lambda: secret_store.set_token(profile, "api", "x-token"),
        lambda: secret_store.clear_token(profile, "api"),
    ):
        with pytest.raises(SecretStoreError) as caught:
            call()
        message = str(caught.value)
        assert "Secret Service" in message and "GRAVITEL_DESK_API_TOKEN" in message


def test_plaintext_backend_is_refused(profile):
    class PlaintextKeyring(MemoryKeyring):
        pass

    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(SecretStoreError):
        secret_store.set_token(profile, "crm", "secret-value")


def test_chainer_with_a_real_backend_is_used(profile, monkeypatch):
    inner = MemoryKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [inner], raising=False)
    keyring.set_keyring(chainer.ChainerBackend())
    secret_store.set_token(profile, "api", "via-chainer")
    assert secret_store.get_token(profile, "api") == "via-chainer"


def test_failing_backend_says_what_to_do(profile):
    keyring.set_keyring(FailingKeyring())
    with pytest.raises(SecretStoreError, match="D-Bus connection lost.*GRAVITEL_DESK_API_TOKEN"):
        secret_store.get_token(profile, "api")
    status = {s.kind: s for s in secret_store.status(profile)}
    assert status["api"].source == "unavailable"


def test_locked_backend_asks_to_unlock(profile):
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(SecretStoreError, match="locked"):
        secret_store.set_token(profile, "crm", "abcd1234")


@pytest.mark.parametrize("bad", ["", "   ", "two words", "tab\there"])
def test_bad_tokens_are_refused(profile, memory_keyring, bad):
    with pytest.raises(SecretStoreError):
        secret_store.set_token(profile, "api", bad)
    assert memory_keyring.store == {}


def test_token_never_reaches_the_config(profile, memory_keyring):
    secret_store.set_token(profile, "api", "very-secret-token")
    settings.save(settings.Settings(), profile.config_path)
    assert "very-secret-token" not in profile.config_path.read_text()
    assert not any("very-secret-token" in p.read_bytes().decode(errors="ignore")
                   for p in profile.root.rglob("*") if p.is_file())
