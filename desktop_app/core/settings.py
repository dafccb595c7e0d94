"""Typed settings read from the profile's ``config.toml`` (CONTRACT §2).

A missing file means defaults. An invalid file is refused with the file, the key and
why (:class:`SettingsError`). Saving is atomic: write a temporary file, fsync, rename.
Secrets never live here (see :mod:`desktop_app.core.secret_store`).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tempfile
import tomllib
import typing
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

DEFAULT_TIMEZONE = "Europe/Moscow"


@dataclass
class PbxSettings:
    api_url: str = "https://crm.aicall.ru"
    domain: str = ""
    extension: str = ""
    # Domains (and their subdomains) whose records hosts may receive the token after a 401/403,
    # besides the API host and the PBX's own gravitel.ru and aicall.ru.
    records_hosts: list[str] = field(default_factory=list)
    # The account's time zone: history requests give their start and end on its wall clock.
    timezone: str = DEFAULT_TIMEZONE


@dataclass
class ListenerSettings:
    host: str = "127.0.0.1"
    port: int = 8765
    path_prefix: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    # The address the PBX uses to reach us (behind NAT or a proxy); shown in the app.
    public_url: str = ""


@dataclass
class PopupSettings:
    show_for: str = "mine"
    corner: str = "bottom-right"
    sound: bool = False
    auto_create_contacts: bool = False


@dataclass
class CrmSettings:
    # Opened by the caller card's "Open in CRM"; {number}, {id}, {extension} are filled in.
    url_template: str = ""


@dataclass
class UiSettings:
    language: str = "auto"
    balance_warn_below: float = 500.0
    sms_templates: list[str] = field(default_factory=list)


# The PBX's words for a robot call's result (seed §3.1.4); a rule names one of them.
CAMPAIGN_RESULTS = ("Success", "NotConnected", "Canceled", "InternalError")
MAX_BATCH_SIZE = 1000


@dataclass
class CallbackRule:
    """Which robot reports go on the call-back list (see :mod:`desktop_app.campaigns.rules`):
    a report matches when every condition given holds."""

    name: str = ""  # shown on the list; the conditions when empty
    campaign: int = 0  # 0: any campaign
    result: str = ""  # one of CAMPAIGN_RESULTS; "": any
    final: bool = False  # only the final attempt (the robot will not try again)
    var: str = ""  # a vars key...
    equals: str = ""  # ...whose answer equals this (case and extra spaces ignored)


@dataclass
class CampaignSettings:
    batch_size: int = 100  # calls per callArray request
    callback_rules: list[CallbackRule] = field(default_factory=list)


@dataclass
class RelaySettings:
    # A desk: the office relay's address; set = relay mode (no listener, one outbound stream).
    url: str = ""
    # The relay: who may read /metrics without the metrics token (addresses or networks).
    metrics_from: list[str] = field(default_factory=lambda: ["127.0.0.1", "::1"])


@dataclass
class Settings:
    pbx: PbxSettings = field(default_factory=PbxSettings)
    listener: ListenerSettings = field(default_factory=ListenerSettings)
    popup: PopupSettings = field(default_factory=PopupSettings)
    crm: CrmSettings = field(default_factory=CrmSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    relay: RelaySettings = field(default_factory=RelaySettings)
    campaigns: CampaignSettings = field(default_factory=CampaignSettings)


# A domain name: two labels or more of letters (any script), digits and inner hyphens.
_DOMAIN = re.compile(r"^(?:[^\W_](?:[^\W_]|-){0,62}\.)+[^\W_](?:[^\W_]|-){0,62}$")

_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("popup", "show_for"): ("mine", "all"),
    ("popup", "corner"): ("top-left", "top-right", "bottom-left", "bottom-right"),
    ("ui", "language"): ("auto", "ru", "en"),
}


class SettingsError(UserError):
    """``reason`` is the English; the message carries it as a Text, translated on display."""

    def __init__(self, path: Path, key: str, reason: str, **args: Any) -> None:
        reason_text = Text("settings", reason, args)
        super().__init__(
            Text(
                "settings",
                QT_TRANSLATE_NOOP("settings", "{file}: {key}: {reason}"),
                {"file": str(path), "key": key, "reason": reason_text},
            )
        )
        self.path, self.key, self.reason = path, key, str(reason_text)


def load(path: Path) -> Settings:
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SettingsError(path, "-", QT_TRANSLATE_NOOP("settings", "not UTF-8 text ({error})"), error=exc.reason) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(path, "-", QT_TRANSLATE_NOOP("settings", "not valid TOML: {error}"), error=str(exc)) from None
    except OSError as exc:
        raise SettingsError(path, "-", QT_TRANSLATE_NOOP("settings", "cannot read it: {error}"), error=exc.strerror or str(exc)) from None
    return from_dict(raw, path)


def from_dict(raw: dict[str, Any], path: Path = Path("config.toml")) -> Settings:
    settings = Settings()
    sections = {f.name: f for f in dataclasses.fields(Settings)}
    for section_name, values in raw.items():
        if section_name not in sections:
            raise SettingsError(path, section_name, QT_TRANSLATE_NOOP("settings", "unknown section"))
        if not isinstance(values, dict):
            raise SettingsError(path, section_name, QT_TRANSLATE_NOOP("settings", "must be a table"))
        section = getattr(settings, section_name)
        hints = typing.get_type_hints(type(section))
        for key, value in values.items():
            dotted = f"{section_name}.{key}"
            if key not in hints:
                raise SettingsError(path, dotted, QT_TRANSLATE_NOOP("settings", "unknown key"))
            setattr(section, key, _coerce(path, dotted, hints[key], value))
    _validate(settings, path)
    return settings


def _coerce(path: Path, dotted: str, hint: Any, value: Any) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            raise SettingsError(path, dotted, QT_TRANSLATE_NOOP("settings", "must be true or false"))
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(path, dotted, QT_TRANSLATE_NOOP("settings", "must be a whole number"))
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(path, dotted, QT_TRANSLATE_NOOP("settings", "must be a number"))
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise SettingsError(path, dotted, QT_TRANSLATE_NOOP("settings", "must be a string"))
        return value
    if typing.get_origin(hint) is list and dataclasses.is_dataclass(typing.get_args(hint)[0]):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise SettingsError(path, dotted, QT_TRANSLATE_NOOP("settings", "must be a list of tables"))
        return [_table(path, f"{dotted}[{index}]", typing.get_args(hint)[0], item) for index, item in enumerate(value, 1)]
    if typing.get_origin(hint) is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(path, dotted, QT_TRANSLATE_NOOP("settings", "must be a list of strings"))
        return list(value)
    raise AssertionError(f"unsupported settings type {hint!r}")


def _table(path: Path, dotted: str, kind: type, values: dict[str, Any]) -> Any:
    """One ``[[section.key]]`` table as the dataclass ``kind``."""
    hints = typing.get_type_hints(kind)
    known = {}
    for key, value in values.items():
        if key not in hints:
            raise SettingsError(path, f"{dotted}.{key}", QT_TRANSLATE_NOOP("settings", "unknown key"))
        known[key] = _coerce(path, f"{dotted}.{key}", hints[key], value)
    return kind(**known)


def _validate(s: Settings, path: Path) -> None:
    for (section, key), choices in _CHOICES.items():
        value = getattr(getattr(s, section), key)
        if value.lower() not in choices:
            raise SettingsError(path, f"{section}.{key}", QT_TRANSLATE_NOOP("settings", "must be one of {choices}"), choices=", ".join(choices))
        setattr(getattr(s, section), key, value.lower())
    url = urlsplit(s.pbx.api_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise SettingsError(path, "pbx.api_url", QT_TRANSLATE_NOOP("settings", "must be an http:// or https:// URL"))
    s.pbx.api_url = s.pbx.api_url.rstrip("/")
    s.pbx.records_hosts = [_records_domain(path, entry) for entry in s.pbx.records_hosts if entry.strip()]
    s.pbx.timezone = s.pbx.timezone.strip()
    if not valid_timezone(s.pbx.timezone):
        raise SettingsError(path, "pbx.timezone", QT_TRANSLATE_NOOP(
            "settings", "not a time zone name such as Europe/Moscow: {zone}"), zone=s.pbx.timezone)
    if not 0 <= s.listener.port <= 65535:
        raise SettingsError(path, "listener.port", QT_TRANSLATE_NOOP("settings", "must be between 0 and 65535"))
    prefix = s.listener.path_prefix
    if prefix and (not prefix.startswith("/") or prefix.endswith("/") or " " in prefix):
        raise SettingsError(path, "listener.path_prefix", QT_TRANSLATE_NOOP("settings", 'must start with "/" and not end with it, e.g. "/gravitel"'))
    if bool(s.listener.tls_cert) != bool(s.listener.tls_key):
        key = "listener.tls_key" if s.listener.tls_cert else "listener.tls_cert"
        raise SettingsError(path, key, QT_TRANSLATE_NOOP("settings", "tls_cert and tls_key must be set together (both = HTTPS, none = HTTP)"))
    if s.relay.url:
        relay_url = urlsplit(s.relay.url)
        if relay_url.scheme not in ("http", "https") or not relay_url.hostname or relay_url.query:
            raise SettingsError(path, "relay.url", QT_TRANSLATE_NOOP("settings", "must be an http:// or https:// URL"))
        s.relay.url = s.relay.url.rstrip("/")
    for address in s.relay.metrics_from:
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            raise SettingsError(path, "relay.metrics_from", QT_TRANSLATE_NOOP(
                "settings", "not an IP address or network: {address}"), address=address) from None
    for key in ("tls_cert", "tls_key"):
        value = getattr(s.listener, key)
        if value and not Path(value).expanduser().is_file():
            raise SettingsError(path, f"listener.{key}", QT_TRANSLATE_NOOP("settings", "no such file: {file}"), file=value)
    _validate_campaigns(s.campaigns, path)


def _validate_campaigns(c: CampaignSettings, path: Path) -> None:
    if not 1 <= c.batch_size <= MAX_BATCH_SIZE:
        raise SettingsError(path, "campaigns.batch_size", QT_TRANSLATE_NOOP("settings", "must be between {low} and {high}"),
                            low=1, high=MAX_BATCH_SIZE)
    words = {re.sub(r"[\s_\-]+", "", word).lower(): word for word in CAMPAIGN_RESULTS} | {
        "internalservererror": "InternalError", "cancelled": "Canceled"}
    for index, rule in enumerate(c.callback_rules, 1):
        key = f"campaigns.callback_rules[{index}]"
        for name in ("name", "result", "var", "equals"):
            setattr(rule, name, getattr(rule, name).strip())
        if rule.campaign < 0:
            raise SettingsError(path, f"{key}.campaign", QT_TRANSLATE_NOOP("settings", "must be 0 (any) or a campaign id"))
        if rule.result:
            word = words.get(re.sub(r"[\s_\-]+", "", rule.result).lower())
            if word is None:
                raise SettingsError(path, f"{key}.result", QT_TRANSLATE_NOOP("settings", "must be one of {choices}"),
                                    choices=", ".join(CAMPAIGN_RESULTS))
            rule.result = word
        if not rule.result and not rule.var:
            raise SettingsError(path, key, QT_TRANSLATE_NOOP(
                "settings", "give a result or a variable: a rule without either would pick every report"))


def _records_domain(path: Path, entry: str) -> str:
    """``records7.example.ru``, ``*.example.ru`` or ``.example.ru`` -> ``example.ru``-style: the domain."""
    domain = entry.strip().lower().removeprefix("*.").strip(".")
    if not _DOMAIN.match(domain):
        raise SettingsError(path, "pbx.records_hosts", QT_TRANSLATE_NOOP(
            "settings", "not a domain name such as records.example.ru: {entry}"), entry=entry)
    return domain


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone (``Europe/Moscow``) known to this machine or ``tzdata``."""
    if not name or name != name.strip():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # ValueError: "../etc/passwd", "zone.tab"
        return False
    return True


def account_zone(settings: Any) -> zoneinfo.ZoneInfo:
    """The account's time zone from :class:`Settings` (or its ``pbx`` section); validated on load."""
    pbx = getattr(settings, "pbx", settings)
    return zoneinfo.ZoneInfo(getattr(pbx, "timezone", DEFAULT_TIMEZONE) or DEFAULT_TIMEZONE)


def to_dict(settings: Settings) -> dict[str, Any]:
    return dataclasses.asdict(settings)


def save(settings: Settings, path: Path) -> None:
    """Write atomically so a crash never leaves a half-written config."""
    data = tomli_w.dumps(to_dict(settings)).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
