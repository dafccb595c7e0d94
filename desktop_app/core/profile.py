"""The profile folder: where one operator's settings, database, logs and cache live.

Two profiles never share anything: each has its own files, keyring entries and
single-instance socket (all derived from the folder's resolved path).
"""

from __future__ import annotations

import getpass
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop_app import APP_NAME

PROFILE_ENV = "GRAVITEL_DESK_PROFILE"


@dataclass(frozen=True)
class Profile:
    root: Path

    @classmethod
    def resolve(cls, arg: str | os.PathLike[str] | None = None) -> Profile:
        """``--profile`` wins, then ``$GRAVITEL_DESK_PROFILE``, then the platform's folder."""
        chosen = arg or os.environ.get(PROFILE_ENV) or platformdirs.user_data_dir(APP_NAME, appauthor=False)
        return cls(Path(chosen).expanduser().resolve())

    def ensure(self) -> Profile:
        for folder in (self.root, self.logs_dir, self.recordings_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def db_path(self) -> Path:
        return self.root / "desk.sqlite3"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def recordings_dir(self) -> Path:
        return self.root / "recordings"

    @property
    def key(self) -> str:
        """A short stable id of this profile (socket names, keyring entries)."""
        return hashlib.sha256(str(self.root).encode()).hexdigest()[:16]

    @property
    def ipc_name(self) -> str:
        """The single-instance socket name: per user and per profile."""
        return f"{APP_NAME}-{getpass.getuser()}-{self.key}"
