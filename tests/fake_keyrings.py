"""Keyring backends for tests only: working, failing, locked."""

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A working keyring that keeps secrets in memory (tests only)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class FailingKeyring(MemoryKeyring):
    """A backend that exists but breaks on every call (e.g. D-Bus went away)."""

    def get_password(self, service, username, *password):
        raise RuntimeError("D-Bus connection lost")

    set_password = delete_password = get_password


class LockedKeyring(MemoryKeyring):
    def get_password(self, service, username, *password):
        raise KeyringLocked("collection is locked")

    set_password = delete_password = get_password
