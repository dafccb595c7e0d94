"""Settings: the PBX account, the two tokens, the listener (with the address to give the
PBX and its live state), caller cards and the interface.

Values are validated by the same code that reads ``config.toml`` and saved atomically;
tokens go to the keyring only and are never shown back.
"""

from __future__ import annotations

import dataclasses
import secrets

from PySide6.QtCore import QDateTime, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core import secret_store
from desktop_app.core import settings as settings_module
from desktop_app.core.profile import Profile
from desktop_app.core.settings import Settings, SettingsError
from desktop_app.gui.common.window_state import WindowState, remember
from desktop_app.gui.shell.i18n import error_text, tr_text
from desktop_app.webhooks.listener import ListenerState

CORNERS = ("bottom-right", "bottom-left", "top-right", "top-left")


class TokenRow(QWidget):
    """One token: its source, a field to enter a new one, Save and Clear. Never shows the value."""

    changed = Signal()

    def __init__(self, profile: Profile, kind: secret_store.TokenKind, *, can_generate: bool) -> None:
        super().__init__()
        self._profile = profile
        self._kind = kind
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText(self.tr("paste a new token"))
        self.field.setObjectName(f"token_{kind}")
        row.addWidget(self.field, 1)
        if can_generate:
            generate = QPushButton(self.tr("Generate"))
            generate.setToolTip(self.tr("Create a random token and copy it, to paste into the PBX's integration settings"))
            generate.clicked.connect(self.generate)
            row.addWidget(generate)
        save = QPushButton(self.tr("Save token"))
        save.clicked.connect(self.save)
        row.addWidget(save)
        clear = QPushButton(self.tr("Clear"))
        clear.clicked.connect(self.clear)
        row.addWidget(clear)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.refresh()

    def refresh(self) -> None:
        state = next(s for s in secret_store.status(self._profile) if s.kind == self._kind)
        texts = {
            "env": self.tr("from the environment variable {name}").format(name=state.detail),
            "keyring": self.tr("stored in the system keyring"),
            "missing": self.tr("not set"),
            "unavailable": tr_text(state.error) if state.error else state.detail,
        }
        self.status.setText(texts[state.source])

    @Slot()
    def generate(self) -> None:
        token = secrets.token_urlsafe(32)
        self.field.setText(token)
        QGuiApplication.clipboard().setText(token)
        self.save()
        if self.status.text() == self.tr("stored in the system keyring"):
            self.status.setText(self.tr("stored in the system keyring; copied: paste it into the PBX"))

    @Slot()
    def save(self) -> None:
        try:
            secret_store.set_token(self._profile, self._kind, self.field.text())
        except secret_store.SecretStoreError as exc:
            self.status.setText(error_text(exc))
            return
        self.field.clear()
        self.refresh()
        self.changed.emit()

    @Slot()
    def clear(self) -> None:
        try:
            secret_store.clear_token(self._profile, self._kind)
        except secret_store.SecretStoreError as exc:
            self.status.setText(error_text(exc))
            return
        self.refresh()
        self.changed.emit()


class SettingsWindow(QWidget):
    """Signals:
    settings_saved(object): the new Settings, already written to config.toml.
    tokens_changed(): a token was stored or cleared.
    """

    settings_saved = Signal(object)
    tokens_changed = Signal()

    def __init__(self, profile: Profile, current: Settings, window_state: WindowState | None = None) -> None:
        super().__init__()
        self.setObjectName("SettingsWindow")
        self.setWindowTitle(self.tr("Gravitel Desk settings"))
        self._profile = profile
        self._settings = current
        self._build()
        self.load(current)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.close)
        remember(self, window_state, (640, 720))

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        pbx = QGroupBox(self.tr("PBX account"))
        form = QFormLayout(pbx)
        self.api_url = QLineEdit()
        self.domain = QLineEdit()
        self.domain.setPlaceholderText("example.aicall.ru")
        self.extension = QLineEdit()
        self.extension.setPlaceholderText("701")
        self.records_hosts = QLineEdit()
        form.addRow(self.tr("API address"), self.api_url)
        form.addRow(self.tr("Domain"), self.domain)
        form.addRow(self.tr("My extension"), self.extension)
        form.addRow(self.tr("Recording hosts"), self.records_hosts)
        self.api_token = TokenRow(self._profile, "api", can_generate=False)
        self.api_token.changed.connect(self.tokens_changed)
        form.addRow(self.tr("API token"), self.api_token)
        layout.addWidget(pbx)

        listener = QGroupBox(self.tr("Webhooks from the PBX"))
        form = QFormLayout(listener)
        self.address = QLabel()
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        copy = QPushButton(self.tr("Copy"))
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.address.text()))
        address_row = QHBoxLayout()
        address_row.addWidget(self.address, 1)
        address_row.addWidget(copy)
        form.addRow(self.tr("Address for the PBX"), address_row)
        self.listener_state = QLabel()
        self.listener_state.setWordWrap(True)
        form.addRow(self.tr("State"), self.listener_state)
        self.crm_token = TokenRow(self._profile, "crm", can_generate=True)
        self.crm_token.changed.connect(self.tokens_changed)
        form.addRow(self.tr("CRM token"), self.crm_token)
        self.host = QLineEdit()
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.path_prefix = QLineEdit()
        self.path_prefix.setPlaceholderText("/gravitel")
        self.public_url = QLineEdit()
        self.public_url.setPlaceholderText("https://desk.example.ru/gravitel")
        self.tls_cert = QLineEdit()
        self.tls_key = QLineEdit()
        form.addRow(self.tr("Listen on address"), self.host)
        form.addRow(self.tr("Port"), self.port)
        form.addRow(self.tr("Path prefix"), self.path_prefix)
        form.addRow(self.tr("Public address"), self.public_url)
        form.addRow(self.tr("TLS certificate (PEM)"), self.tls_cert)
        form.addRow(self.tr("TLS key (PEM)"), self.tls_key)
        layout.addWidget(listener)

        cards = QGroupBox(self.tr("Caller cards"))
        form = QFormLayout(cards)
        self.show_for = QComboBox()
        self.show_for.addItem(self.tr("My calls only"), "mine")
        self.show_for.addItem(self.tr("All calls"), "all")
        self.corner = QComboBox()
        for corner, label in zip(CORNERS, (self.tr("Bottom right"), self.tr("Bottom left"),
                                           self.tr("Top right"), self.tr("Top left"))):
            self.corner.addItem(label, corner)
        self.sound = QCheckBox(self.tr("Ring sound"))
        self.auto_create = QCheckBox(self.tr("Create a contact for unknown numbers after a call"))
        self.crm_template = QLineEdit()
        self.crm_template.setPlaceholderText("https://crm.example.ru/search?phone={number}")
        form.addRow(self.tr("Show cards for"), self.show_for)
        form.addRow(self.tr("Corner"), self.corner)
        form.addRow("", self.sound)
        form.addRow("", self.auto_create)
        form.addRow(self.tr("CRM link"), self.crm_template)
        layout.addWidget(cards)

        ui = QGroupBox(self.tr("Interface"))
        form = QFormLayout(ui)
        self.language = QComboBox()
        self.language.addItem(self.tr("As the system"), "auto")
        self.language.addItem("Русский", "ru")
        self.language.addItem("English", "en")
        self.balance_warn = QDoubleSpinBox()
        self.balance_warn.setRange(0, 10_000_000)
        self.balance_warn.setDecimals(2)
        form.addRow(self.tr("Language (after restart)"), self.language)
        form.addRow(self.tr("Warn when the balance is below"), self.balance_warn)
        layout.addWidget(ui)
        layout.addStretch(1)

        bottom = QHBoxLayout()
        self.result = QLabel()
        self.result.setWordWrap(True)
        bottom.addWidget(self.result, 1)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        bottom.addWidget(self.save_button)
        outer.addLayout(bottom)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Edits left unsaved last time are dropped: the window shows what is in force."""
        if not event.spontaneous():
            self.load(self._settings)
            self.result.clear()
        super().showEvent(event)

    def load(self, s: Settings) -> None:
        self.api_url.setText(s.pbx.api_url)
        self.domain.setText(s.pbx.domain)
        self.extension.setText(s.pbx.extension)
        self.records_hosts.setText(", ".join(s.pbx.records_hosts))
        self.host.setText(s.listener.host)
        self.port.setValue(s.listener.port)
        self.path_prefix.setText(s.listener.path_prefix)
        self.public_url.setText(s.listener.public_url)
        self.tls_cert.setText(s.listener.tls_cert)
        self.tls_key.setText(s.listener.tls_key)
        self.show_for.setCurrentIndex(max(0, self.show_for.findData(s.popup.show_for)))
        self.corner.setCurrentIndex(max(0, self.corner.findData(s.popup.corner)))
        self.sound.setChecked(s.popup.sound)
        self.auto_create.setChecked(s.popup.auto_create_contacts)
        self.crm_template.setText(s.crm.url_template)
        self.language.setCurrentIndex(max(0, self.language.findData(s.ui.language)))
        self.balance_warn.setValue(s.ui.balance_warn_below)

    def collected(self) -> dict:
        data = settings_module.to_dict(self._settings)
        data["pbx"].update(
            api_url=self.api_url.text().strip(),
            domain=self.domain.text().strip(),
            extension=self.extension.text().strip(),
            records_hosts=[h.strip() for h in self.records_hosts.text().split(",") if h.strip()],
        )
        data["listener"].update(
            host=self.host.text().strip(),
            port=self.port.value(),
            path_prefix=self.path_prefix.text().strip(),
            public_url=self.public_url.text().strip(),
            tls_cert=self.tls_cert.text().strip(),
            tls_key=self.tls_key.text().strip(),
        )
        data["popup"].update(
            show_for=self.show_for.currentData(),
            corner=self.corner.currentData(),
            sound=self.sound.isChecked(),
            auto_create_contacts=self.auto_create.isChecked(),
        )
        data["crm"]["url_template"] = self.crm_template.text().strip()
        data["ui"].update(language=self.language.currentData(), balance_warn_below=self.balance_warn.value())
        return data

    @Slot()
    def save(self) -> None:
        path = self._profile.config_path
        try:
            new = settings_module.from_dict(self.collected(), path)
            settings_module.save(new, path)
        except SettingsError as exc:
            self.result.setText(error_text(exc))
            return
        except OSError as exc:
            self.result.setText(self.tr("Could not save {file}: {reason}").format(file=path, reason=exc.strerror or exc))
            return
        self._settings = dataclasses.replace(new)
        self.result.setText(self.tr("Saved."))
        self.settings_saved.emit(new)

    def saved_elsewhere(self, new: Settings) -> None:
        """Settings another window saved (the campaigns' rules): this window's next save keeps
        them, and what the operator is typing here stays."""
        self._settings = dataclasses.replace(new)

    def show_listener_state(self, state: ListenerState) -> None:
        self.address.setText(state.url or "")
        if state.running:
            parts = [self.tr("running")]
            if state.last_webhook_at:
                when = QDateTime.fromSecsSinceEpoch(int(state.last_webhook_at)).toString("dd.MM.yyyy HH:mm:ss")
                parts.append(self.tr("last webhook {time}").format(time=when))
            else:
                parts.append(self.tr("no webhooks yet"))
            parts.append(self.tr("{count} received, {errors} refused").format(
                count=state.webhooks_received, errors=state.errors))
            self.listener_state.setText(", ".join(parts))
        else:
            reason = tr_text(state.error) if state.error else self.tr("stopped")
            self.listener_state.setText(reason)
