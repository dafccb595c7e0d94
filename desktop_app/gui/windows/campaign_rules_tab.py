"""The Rules tab of the campaigns window: the call-back rules of ``config.toml``
(``[[campaigns.callback_rules]]``), one row each, saved with the settings."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.campaigns.rules import RESULT_WORDS
from desktop_app.core.settings import CallbackRule
from desktop_app.core.texts import UserError
from desktop_app.gui.common.async_action import show_result
from desktop_app.gui.shell.i18n import error_text
from desktop_app.gui.windows.campaign_tables import result_name

NAME, CAMPAIGN, RESULT, FINAL, VAR, EQUALS = range(6)
MAX_CAMPAIGN = 2_000_000_000

# Saves the rules and returns how many reported calls they put on the call-back list; raises
# UserError for a rule that cannot be saved.
RulesSaver = Callable[[list[CallbackRule]], int]


class RulesTab(QWidget):
    """Edits the call-back rules; :meth:`save` hands them to ``saver``.

    Signals:
        changed(): a rule was edited and not saved yet.
    """

    changed = Signal()

    def __init__(self, saver: RulesSaver, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._saver = saver
        self._loading = False
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "A robot report that matches a rule puts its call on the call-back list. A rule matches when all "
            "its filled conditions hold: the campaign (0: any), the result, the final attempt, and a variable "
            "equal to a value (case and extra spaces ignored; an empty value matches a missing answer)."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([
            self.tr("Name"), self.tr("Campaign"), self.tr("Result"), self.tr("Final attempt only"),
            self.tr("Variable"), self.tr("Equals")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(EQUALS, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("&New rule"))
        self.add_button.clicked.connect(lambda: self.add_rule(CallbackRule(), select=True))
        self.remove_button = QPushButton(self.tr("&Delete rule"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.save_button = QPushButton(self.tr("&Save rules"))
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.result)
        self._update_buttons()

    def set_rules(self, rules: list[CallbackRule]) -> None:
        self._loading = True
        try:
            self.table.setRowCount(0)
            for rule in rules:
                self.add_rule(rule)
        finally:
            self._loading = False
        self._update_buttons()

    def add_rule(self, rule: CallbackRule, *, select: bool = False) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        name = QLineEdit(rule.name)
        name.setPlaceholderText(self.tr("e.g. Wants another date"))
        campaign = QSpinBox()
        campaign.setRange(0, MAX_CAMPAIGN)
        campaign.setSpecialValueText(self.tr("any"))
        campaign.setValue(rule.campaign)
        result = QComboBox()
        result.addItem(self.tr("any"), "")
        for word, value in RESULT_WORDS.items():
            result.addItem(result_name(value), word)
        result.setCurrentIndex(max(0, result.findData(rule.result)))
        final = QCheckBox()
        final.setChecked(rule.final)
        final.setAccessibleName(self.tr("Final attempt only"))
        var = QLineEdit(rule.var)
        var.setPlaceholderText(self.tr("e.g. someAnswer"))
        equals = QLineEdit(rule.equals)
        for column, widget in ((NAME, name), (CAMPAIGN, campaign), (RESULT, result), (FINAL, final), (VAR, var),
                               (EQUALS, equals)):
            self.table.setCellWidget(row, column, widget)
        for edit in (name, var, equals):
            edit.textEdited.connect(self._on_edited)
        campaign.valueChanged.connect(self._on_edited)
        result.currentIndexChanged.connect(self._on_edited)
        final.toggled.connect(self._on_edited)
        if select:
            self.table.selectRow(row)
            name.setFocus()
        self._on_edited()
        return row

    def rules(self) -> list[CallbackRule]:
        found = []
        for row in range(self.table.rowCount()):
            cell = self.table.cellWidget
            found.append(CallbackRule(
                name=cell(row, NAME).text().strip(),
                campaign=cell(row, CAMPAIGN).value(),
                result=cell(row, RESULT).currentData(),
                final=cell(row, FINAL).isChecked(),
                var=cell(row, VAR).text().strip(),
                equals=cell(row, EQUALS).text().strip(),
            ))
        return found

    @Slot()
    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.table.removeRow(rows[0].row())
            self._on_edited()

    @Slot()
    def save(self) -> None:
        try:
            added = self._saver(self.rules())
        except UserError as exc:
            show_result(self.result, error_text(exc), False)
            return
        text = self.tr("Saved. {count} reported calls added to the call-back list.").format(count=added) if added \
            else self.tr("Saved.")
        show_result(self.result, text, True)

    def _on_edited(self, *_args: object) -> None:
        if not self._loading:
            show_result(self.result, "", True)
            self.changed.emit()
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
