import os
from pathlib import Path

import pytest

from desktop_app.core import settings
from desktop_app.core.settings import Settings, SettingsError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_means_defaults(tmp_path):
    loaded = settings.load(tmp_path / "config.toml")
    assert loaded == Settings()
    assert loaded.listener.port == 8765
    assert loaded.pbx.api_url == "https://crm.aicall.ru"
    assert loaded.popup.show_for == "mine"


def test_contract_keys_are_read(tmp_path):
    cert = write(tmp_path / "c.pem", "x")
    key = write(tmp_path / "k.pem", "x")
    path = write(
        tmp_path / "config.toml",
        f"""
[pbx]
api_url = "https://pbx.example/"
domain = "example.aicall.ru"
extension = "701"
[listener]
host = "0.0.0.0"
port = 9000
path_prefix = "/gravitel"
tls_cert = "{cert}"
tls_key = "{key}"
[popup]
show_for = "ALL"
""",
    )
    loaded = settings.load(path)
    assert loaded.pbx.api_url == "https://pbx.example"  # trailing slash dropped
    assert (loaded.pbx.domain, loaded.pbx.extension) == ("example.aicall.ru", "701")
    assert (loaded.listener.host, loaded.listener.port, loaded.listener.path_prefix) == ("0.0.0.0", 9000, "/gravitel")
    assert loaded.listener.tls_cert == str(cert)
    assert loaded.popup.show_for == "all"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("[listener]\nport = 'eighty'\n", "listener.port", "whole number"),
        ("[listener]\nport = 70000\n", "listener.port", "between 0 and 65535"),
        ("[listener]\nport = true\n", "listener.port", "whole number"),
        ("[popup]\nshow_for = 'nobody'\n", "popup.show_for", "one of mine, all"),
        ("[pbx]\napi_url = 'ftp://x'\n", "pbx.api_url", "http"),
        ("[pbx]\ncolour = 'red'\n", "pbx.colour", "unknown key"),
        ("[sound]\nvolume = 3\n", "sound", "unknown section"),
        ("pbx = 3\n", "pbx", "must be a table"),
        ("[listener]\npath_prefix = 'gravitel'\n", "listener.path_prefix", 'start with "/"'),
        ("[listener]\ntls_cert = '/nonexistent.pem'\n", "listener.tls_key", "together"),
        ("[listener]\ntls_cert = '/no/c.pem'\ntls_key = '/no/k.pem'\n", "listener.tls_cert", "no such file"),
        ("[pbx\n", "-", "not valid TOML"),
        ("[pbx]\ntimezone = 'Moscow'\n", "pbx.timezone", "time zone"),
        ("[pbx]\ntimezone = '../../etc/passwd'\n", "pbx.timezone", "time zone"),
        ("[pbx]\ntimezone = ''\n", "pbx.timezone", "time zone"),
        ("[pbx]\nrecords_hosts = ['ru']\n", "pbx.records_hosts", "domain name"),
        ("[pbx]\nrecords_hosts = ['https://rec.example.ru/']\n", "pbx.records_hosts", "domain name"),
        ("[pbx]\nrecords_hosts = ['evil.example/x']\n", "pbx.records_hosts", "domain name"),
    ],
)
def test_invalid_file_is_refused_with_file_key_and_reason(tmp_path, text, key, reason):
    path = write(tmp_path / "config.toml", text)
    with pytest.raises(SettingsError) as caught:
        settings.load(path)
    assert caught.value.key == key
    assert reason in caught.value.reason
    message = str(caught.value)
    assert str(path) in message and key in message


def test_not_utf8_is_refused(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes("[pbx]\ndomain = 'домен'\n".encode("cp1251"))
    with pytest.raises(SettingsError, match="UTF-8"):
        settings.load(path)


def test_round_trip_and_atomic_save(tmp_path):
    original = Settings()
    original.pbx.domain = "x.aicall.ru"
    original.ui.sms_templates = ["Перезвоню позже", "Ваш заказ готов"]
    original.ui.balance_warn_below = 100.5
    path = tmp_path / "sub" / "config.toml"
    settings.save(original, path)
    assert settings.load(path) == original
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary left behind


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    settings.save(Settings(), path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    changed = Settings()
    changed.pbx.domain = "new"
    with pytest.raises(OSError):
        settings.save(changed, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_account_timezone_and_records_domains(tmp_path):
    assert settings.Settings().pbx.timezone == "Europe/Moscow"
    assert str(settings.account_zone(settings.Settings())) == "Europe/Moscow"
    path = write(tmp_path / "config.toml", """
[pbx]
timezone = " Asia/Yekaterinburg "
records_hosts = ["*.Records.Example.RU", ".rec.example.com.", "записи.рф", "  "]
""")
    loaded = settings.load(path)
    assert loaded.pbx.timezone == "Asia/Yekaterinburg"
    assert str(settings.account_zone(loaded)) == "Asia/Yekaterinburg"
    assert loaded.pbx.records_hosts == ["records.example.ru", "rec.example.com", "записи.рф"]


def test_campaign_callback_rules_are_read_checked_and_saved(tmp_path):
    path = write(tmp_path / "config.toml", """
[campaigns]
batch_size = 250

[[campaigns.callback_rules]]
name = " Перенести "
var = "someAnswer"
equals = "перенести"

[[campaigns.callback_rules]]
campaign = 7
result = "not_connected"
final = true
""")
    loaded = settings.load(path)
    assert loaded.campaigns.batch_size == 250
    assert loaded.campaigns.callback_rules == [
        settings.CallbackRule(name="Перенести", var="someAnswer", equals="перенести"),
        settings.CallbackRule(campaign=7, result="NotConnected", final=True),  # the PBX's spelling
    ]
    settings.save(loaded, tmp_path / "again.toml")
    assert "[[campaigns.callback_rules]]" in (tmp_path / "again.toml").read_text(encoding="utf-8")
    assert settings.load(tmp_path / "again.toml") == loaded
    assert Settings().campaigns.callback_rules == [] and Settings().campaigns.batch_size == 100


@pytest.mark.parametrize(("text", "key", "reason"), [
    ("[campaigns]\nbatch_size = 0\n", "campaigns.batch_size", "must be between 1 and 1000"),
    ("[campaigns]\ncallback_rules = [1]\n", "campaigns.callback_rules", "must be a list of tables"),
    ("[[campaigns.callback_rules]]\nanswer = 'x'\n", "campaigns.callback_rules[1].answer", "unknown key"),
    ("[[campaigns.callback_rules]]\nvar = 'a'\n[[campaigns.callback_rules]]\nresult = 'Busy'\n",
     "campaigns.callback_rules[2].result", "must be one of Success, NotConnected, Canceled, InternalError"),
    ("[[campaigns.callback_rules]]\nfinal = true\n", "campaigns.callback_rules[1]",
     "give a result or a variable: a rule without either would pick every report"),
    ("[[campaigns.callback_rules]]\nvar = 'a'\ncampaign = -1\n", "campaigns.callback_rules[1].campaign",
     "must be 0 (any) or a campaign id"),
    ("[[campaigns.callback_rules]]\nvar = 'a'\nfinal = 'yes'\n", "campaigns.callback_rules[1].final",
     "must be true or false"),
])
def test_bad_campaign_settings_name_the_rule_and_the_key(tmp_path, text, key, reason):
    with pytest.raises(SettingsError) as caught:
        settings.load(write(tmp_path / "config.toml", text))
    assert (caught.value.key, caught.value.reason) == (key, reason)
