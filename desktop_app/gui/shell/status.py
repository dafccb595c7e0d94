"""What the tray tooltip and the status window say about the desk's connections."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal


@dataclass
class StatusLines:
    listener: str = ""
    listener_url: str = ""
    pbx: str = ""
    balance: str = ""
    missed: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class DeskStatus(QObject):
    """Holds the current status lines.

    Signals:
        changed(): any line changed.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lines = StatusLines()

    def update(self, **values: str) -> None:
        changed = False
        for key, value in values.items():
            if getattr(self.lines, key) != value:
                setattr(self.lines, key, value)
                changed = True
        if changed:
            self.changed.emit()

    def tooltip(self) -> str:
        title = "Gravitel Desk"
        parts = [title]
        for label, value in (
            (self.tr("Listener"), self.lines.listener),
            (self.tr("PBX"), self.lines.pbx),
            (self.tr("Balance"), self.lines.balance),
            (self.tr("Missed calls"), self.lines.missed),
        ):
            if value:
                parts.append(f"{label}: {value}")
        return "\n".join(parts)
