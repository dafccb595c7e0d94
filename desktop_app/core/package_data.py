"""Where the files shipped inside the package live: icons, translations, sounds, and the
Linux desktop entry.

They are package data of ``desktop_app`` found through :mod:`importlib.resources`, so the
same paths work from a source checkout, an installed wheel and a PyInstaller bundle. Qt
opens them by file name, so the package must be installed as files, not as a zip (pip and
PyInstaller both install it so).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _resources_dir() -> Path:
    found = resources.files("desktop_app") / "resources"
    if not isinstance(found, Path):
        raise RuntimeError(f"desktop_app is installed inside an archive ({found}); "
                           "its icons, translations and sounds must be files: install it with pip")
    return found


RESOURCES_DIR = _resources_dir()
ICONS_DIR = RESOURCES_DIR / "icons"
I18N_DIR = RESOURCES_DIR / "i18n"
SOUNDS_DIR = RESOURCES_DIR / "sounds"
LINUX_DIR = RESOURCES_DIR / "linux"

APP_ICON = ICONS_DIR / "tray-light.svg"  # the badge on a light background: menus, the window list
RING_SOUND = SOUNDS_DIR / "ring.wav"
