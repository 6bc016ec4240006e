"""Which of a profile's values are secret: a tick per header, URI query parameter and variable."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from wsinspector.core.storage.profiles import SecretFlags
from wsinspector.core.storage.profiles.secrets import propose_secrets, query_parameters
from wsinspector.core.websocket.options import ConnectionOptions

FIELD_ROLE = Qt.ItemDataRole.UserRole + 1  # (kind, name): kind "header", "query", "variable"
HEADER, QUERY, VARIABLE = "header", "query", "variable"
KIND_TITLES = {HEADER: "Header", QUERY: "Query parameter", VARIABLE: "Variable"}
PROPOSED = "(proposed)"
EXPLANATION = "Ticked values are secret: masked on screen and left out of exports unless asked."
EMPTY_HINT = "Nothing to mark: the profile has no headers, URI query parameters or variables."


def _tooltip(kind: str, name: str) -> str:
    if kind == HEADER:
        return f"The value of every “{name}” header"
    if kind == QUERY:
        return f"The value of “{name}=” in the URI"
    return f"The value of the variable {{{{{name}}}}}"


def candidates(options: ConnectionOptions, variable_names: Iterable[str]) -> list[tuple[str, str]]:
    """(kind, name) of every field that can be secret, in the order the form shows them:
    header names (first spelling, once per name in any case), query parameter names (decoded,
    once each), variable names. Blank names are left out."""
    fields: list[tuple[str, str]] = []
    headers: set[str] = set()
    for name, _ in options.headers:
        if name.strip() and name.lower() not in headers:
            headers.add(name.lower())
            fields.append((HEADER, name))
    queries: set[str] = set()
    for name, _ in query_parameters(options.uri):
        if name and name not in queries:
            queries.add(name)
            fields.append((QUERY, name))
    for name in dict.fromkeys(variable_names):
        if name.strip():
            fields.append((VARIABLE, name))
    return fields


def _flagged(flags: SecretFlags, kind: str, name: str) -> bool:
    if kind == HEADER:
        return flags.header(name)
    if kind == QUERY:
        return name in flags.query
    return name in flags.variables


class SecretsEditor(QWidget):
    """A tick for every header name, URI query parameter and variable of a profile, in the list
    `secretFieldsList`; ticked ones are secret. For a new profile (`propose`, no flags yet) the
    ones that look like credentials (propose_secrets) come ticked and marked "(proposed)".
    The label `secretsLocationLabel` says where secret values go (set_location); the label
    `secretFieldsEmpty` shows when there is nothing to tick. It stores nothing.

    flags() keeps the flags of fields the profile no longer has (a header removed and typed
    again stays secret).

    Signals:
        edited(): the user ticked or unticked a field (set_fields emits nothing).
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._flags = SecretFlags()
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        self.location_label = QLabel()
        self.location_label.setObjectName("secretsLocationLabel")
        self.location_label.setWordWrap(True)
        self.location_label.hide()
        self.list = QListWidget()
        self.list.setObjectName("secretFieldsList")
        self.list.setUniformItemSizes(True)
        self.empty_label = QLabel(EMPTY_HINT)
        self.empty_label.setObjectName("secretFieldsEmpty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)  # drawn greyed, as a hint
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(explanation)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.location_label)
        self.list.itemChanged.connect(self._on_item_changed)

    def set_location(self, text: str) -> None:
        """Where secret values are kept, e.g. "Secret values are kept in the system keyring"
        or "… in the profile file, readable only by you (mode 0600)"; "" hides the line."""
        self.location_label.setText(text)
        self.location_label.setVisible(bool(text))

    def set_fields(
        self,
        options: ConnectionOptions,
        variable_names: Iterable[str],
        flags: SecretFlags,
        propose: bool = False,
    ) -> None:
        """List the fields of these options and variables, ticking those in `flags`. With
        `propose` and no flags at all (a new profile), the credential-like ones are ticked
        too and marked "(proposed)". Emits nothing."""
        variable_names = list(variable_names)
        proposed = SecretFlags()
        if propose and not flags:
            proposed = propose_secrets(options, variable_names)
        self._flags = flags
        self.list.clear()
        for kind, name in candidates(options, variable_names):
            was_proposed = _flagged(proposed, kind, name)
            text = f"{KIND_TITLES[kind]}: {name}"
            item = QListWidgetItem(f"{text} {PROPOSED}" if was_proposed else text)
            item.setData(FIELD_ROLE, (kind, name))
            item.setToolTip(_tooltip(kind, name))
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
            )
            ticked = was_proposed or _flagged(flags, kind, name)
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            # Items are complete before they join the list: adding them emits no itemChanged.
            self.list.addItem(item)
        self.empty_label.setVisible(self.list.count() == 0)

    def flags(self) -> SecretFlags:
        """The ticked fields, plus the flags set_fields got for fields not listed."""
        listed: dict[str, set[str]] = {HEADER: set(), QUERY: set(), VARIABLE: set()}
        ticked: dict[str, set[str]] = {HEADER: set(), QUERY: set(), VARIABLE: set()}
        for row in range(self.list.count()):
            item = self.list.item(row)
            kind, name = item.data(FIELD_ROLE)
            key = name.lower() if kind == HEADER else name
            listed[kind].add(key)
            if item.checkState() == Qt.CheckState.Checked:
                ticked[kind].add(key)
        old = self._flags
        return SecretFlags(
            headers=frozenset(ticked[HEADER] | (old.headers - listed[HEADER])),
            query=frozenset(ticked[QUERY] | (old.query - listed[QUERY])),
            variables=frozenset(ticked[VARIABLE] | (old.variables - listed[VARIABLE])),
        )

    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        self.edited.emit()
