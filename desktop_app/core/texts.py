"""User-visible text from the floors without Qt.

Lower floors cannot call Qt's translator, so they mark their strings with
``QT_TRANSLATE_NOOP(context, text)`` (which ``pyside6-lupdate`` collects into the
``.ts`` files) and carry them as :class:`Text`. The Qt floor translates a Text with
``QCoreApplication.translate``; the command line without Qt shows the English.
"""

from __future__ import annotations

import json
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

    def dumps(self) -> str:
        """The Text as JSON, to keep (e.g. in the database) and translate when it is shown."""
        return json.dumps(self._plain(), ensure_ascii=False)

    def _plain(self) -> dict[str, Any]:
        args = {key: {"text": value._plain()} if isinstance(value, Text)
                else value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
                for key, value in self.args.items()}
        return {"context": self.context, "source": self.source, "args": args}

    @classmethod
    def loads(cls, data: str) -> Text:
        """A Text from :meth:`dumps`; anything else is shown as it is."""
        try:
            plain = json.loads(data)
            return cls._from_plain(plain)
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls("", "{text}", {"text": data})

    @classmethod
    def _from_plain(cls, plain: dict[str, Any]) -> Text:
        args = {key: cls._from_plain(value["text"]) if isinstance(value, dict) else value
                for key, value in plain["args"].items()}
        return cls(str(plain["context"]), str(plain["source"]), args)


class UserError(Exception):
    """An error whose message is meant for the operator, not a traceback."""

    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text
