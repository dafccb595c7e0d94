"""The tokens, kept in the OS keyring and nowhere else.

``api``: sent to the PBX as ``X-API-KEY``. ``crm``: what the PBX must send to our
listener (or to the office relay). ``relay``: a desk's token for the office relay's
stream. ``metrics``: on the relay, what a scraper sends to read ``/metrics``.
Environment variables override the keyring for headless machines, containers and CI.
Every keyring call lives here; a backend that cannot keep a secret safely (fail, null,
plaintext files, an empty chainer) is refused with a message saying what to do, and
nothing ever falls back to writing a token into a file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, KeyringLocked, PasswordDeleteError

from desktop_app import APP_NAME
from desktop_app.core.log_setup import register_secret
from desktop_app.core.profile import Profile
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

TokenKind = Literal["api", "crm", "relay", "metrics"]
TOKEN_KINDS: tuple[TokenKind, ...] = ("api", "crm", "relay", "metrics")
SERVICE = APP_NAME
ENV_VARS: dict[TokenKind, str] = {
    "api": "GRAVITEL_DESK_API_TOKEN",
    "crm": "GRAVITEL_DESK_CRM_TOKEN",
    "relay": "GRAVITEL_DESK_RELAY_TOKEN",
    "metrics": "GRAVITEL_DESK_METRICS_TOKEN",
}
_REFUSED_BACKENDS = ("fail", "null", "plaintext", "chainer")


class SecretStoreError(UserError):
    pass


def _error(source: str, **args: str) -> SecretStoreError:
    return SecretStoreError(Text("secret_store", source, args))


NO_BACKEND = QT_TRANSLATE_NOOP(
    "secret_store",
    "No usable keyring ({backend}). Install and unlock a Secret Service keyring "
    "(e.g. gnome-keyring or KWallet; on Windows and macOS the system keyring is used), "
    "or set {env} for this session.",
)


@dataclass(frozen=True)
class TokenStatus:
    kind: TokenKind
    source: Literal["env", "keyring", "missing", "unavailable"]
    detail: str = ""  # the variable's name, or why the keyring is unavailable (English)
    error: Text | None = None  # the same reason, for translation


def _username(profile: Profile, kind: TokenKind) -> str:
    return f"{kind}@{profile.root}"


def _usable_backend(kind: TokenKind) -> KeyringBackend:
    backend = keyring.get_keyring()
    candidates = getattr(backend, "backends", None)
    if candidates is not None:  # a chainer is as good as what it chains
        usable = [b for b in candidates if not _is_refused(b)]
        if usable:
            return backend
    elif not _is_refused(backend):
        return backend
    raise _error(NO_BACKEND, backend=_backend_name(backend), env=ENV_VARS[kind])


def _is_refused(backend: KeyringBackend) -> bool:
    module = type(backend).__module__.lower()
    return any(word in module for word in _REFUSED_BACKENDS) or "plaintext" in type(backend).__name__.lower()


def _backend_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _keyring_failure(exc: Exception, kind: TokenKind) -> SecretStoreError:
    if isinstance(exc, KeyringLocked):
        return _error(QT_TRANSLATE_NOOP("secret_store", "The keyring is locked: unlock it and try again."))
    return _error(
        QT_TRANSLATE_NOOP("secret_store", "The keyring failed ({reason}). Unlock or repair it, or set {env}."),
        reason=str(exc) or type(exc).__name__,
        env=ENV_VARS[kind],
    )


def get_token(profile: Profile, kind: TokenKind) -> str | None:
    """The token, or None when none is set. Raises SecretStoreError when the keyring fails."""
    # Trimmed as stored tokens are: "set X=tok " on Windows keeps the space.
    from_env = os.environ.get(ENV_VARS[kind], "").strip()
    if from_env:
        register_secret(from_env)
        return from_env
    backend = _usable_backend(kind)
    try:
        value = backend.get_password(SERVICE, _username(profile, kind))
    except (RuntimeError, KeyringError) as exc:
        raise _keyring_failure(exc, kind) from None
    if value:
        register_secret(value)
    return value or None


def set_token(profile: Profile, kind: TokenKind, value: str) -> None:
    value = value.strip()
    if not value:
        raise _error(QT_TRANSLATE_NOOP("secret_store", "The token is empty."))
    if any(ch.isspace() for ch in value) or not value.isprintable():
        raise _error(QT_TRANSLATE_NOOP("secret_store", "The token must be one line without spaces."))
    backend = _usable_backend(kind)
    try:
        backend.set_password(SERVICE, _username(profile, kind), value)
    except (RuntimeError, KeyringError) as exc:
        raise _keyring_failure(exc, kind) from None
    register_secret(value)


def clear_token(profile: Profile, kind: TokenKind) -> bool:
    """Remove the stored token; False when there was none."""
    backend = _usable_backend(kind)
    try:
        backend.delete_password(SERVICE, _username(profile, kind))
    except PasswordDeleteError:
        return False
    except (RuntimeError, KeyringError) as exc:
        raise _keyring_failure(exc, kind) from None
    return True


def status(profile: Profile) -> list[TokenStatus]:
    """Where each token comes from, never the token itself."""
    result = []
    for kind in TOKEN_KINDS:
        if os.environ.get(ENV_VARS[kind]):
            result.append(TokenStatus(kind, "env", ENV_VARS[kind]))
            continue
        try:
            value = get_token(profile, kind)
        except SecretStoreError as exc:
            result.append(TokenStatus(kind, "unavailable", str(exc), exc.text))
            continue
        result.append(TokenStatus(kind, "keyring" if value else "missing"))
    return result
