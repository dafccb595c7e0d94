"""Rotating logs in the profile that never contain a token.

Every token the program reads or stores is registered here, and a filter replaces it
with ``***`` in every record before any handler writes it, tracebacks included.
"""

from __future__ import annotations

import logging
import logging.handlers
import threading
from pathlib import Path

LOG_FILE = "gravitel-desk.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
_MIN_SECRET_LEN = 4

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str) -> None:
    if value and len(value) >= _MIN_SECRET_LEN:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact(message), None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def setup(logs_dir: Path, level: int = logging.INFO, *, console: bool = False) -> logging.Handler:
    """Attach a rotating file handler (and optionally stderr) to the root logger."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        logs_dir / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    if console:
        stream = logging.StreamHandler()
        stream.addFilter(RedactingFilter())
        root.addHandler(stream)
    root.setLevel(level)
    # One line per HTTP request drowns what matters; failures are logged by our own code.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return handler
