"""User-visible text from the floors without Qt.

Lower floors cannot call Qt's translator, so they mark their strings with
``QT_TRANSLATE_NOOP(context, text)`` (which ``pyside6-lupdate`` collects into the
``.ts`` files) and carry them as :class:`Text`. The Qt floor translates a Text with
``QCoreApplication.translate``; the command line without Qt shows the English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate looks for
    """Mark ``text`` for translation in ``context``; return it unchanged."""
    return text


@dataclass(frozen=True)
class Text:
    """A marked message with ``str.format`` arguments, translated at display time."""

    context: str
    source: str
    args: dict[str, Any] = field(default_factory=dict)

    def format(self, translated_source: str | None = None) -> str:
        template = translated_source if translated_source is not None else self.source
        try:
            return template.format(**self.args)
        except (KeyError, IndexError, ValueError):
            return self.source.format(**self.args)

    def __str__(self) -> str:
        return self.format()


class UserError(Exception):
    """An error whose message is meant for the operator, not a traceback."""

    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text
