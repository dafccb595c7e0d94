import logging

import pytest

from desktop_app.core import log_setup, secret_store


@pytest.fixture
def profile_log(profile):
    handler = log_setup.setup(profile.logs_dir)
    yield profile.logs_dir / log_setup.LOG_FILE
    logging.getLogger().removeHandler(handler)
    handler.close()


def test_tokens_never_reach_the_log(profile, memory_keyring, profile_log):
    secret_store.set_token(profile, "api", "api-secret-4242")
    logger = logging.getLogger("desktop_app.test")
    logger.warning("sending header X-API-KEY: %s", "api-secret-4242")
    logger.warning("token in message api-secret-4242 directly")
    try:
        raise RuntimeError("bad token api-secret-4242")
    except RuntimeError:
        logger.exception("request failed")
    text = profile_log.read_text(encoding="utf-8")
    assert "api-secret-4242" not in text
    assert text.count("***") >= 4
    assert "RuntimeError" in text


def test_environment_tokens_are_redacted_too(profile, monkeypatch, profile_log):
    monkeypatch.setenv("GRAVITEL_DESK_CRM_TOKEN", "crm-env-secret")
    secret_store.get_token(profile, "crm")
    logging.getLogger("x").error("got crm-env-secret")
    assert "crm-env-secret" not in profile_log.read_text(encoding="utf-8")


def test_log_rotates(profile, profile_log, monkeypatch):
    logger = logging.getLogger("desktop_app.rotation")
    chunk = "x" * 10_000
    for _ in range(log_setup.MAX_BYTES // 10_000 + 20):
        logger.info(chunk)
    assert (profile.logs_dir / (log_setup.LOG_FILE + ".1")).exists()
