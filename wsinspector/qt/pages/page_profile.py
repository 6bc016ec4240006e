"""What ties a connection page to its saved profile: the profile, the environment, variables.

The page asks it to resolve `{{variables}}` before anything is sent, and whether the form
differs from the saved profile (the tab title is then marked).
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QToolButton, QWidget

from wsinspector.core.protocols.base import Composed
from wsinspector.core.storage.profiles import (
    Environments,
    Profile,
    ProfileStore,
    SavedMessage,
    SecretFlags,
)
from wsinspector.core.storage.profiles.dynamic import DynamicValues
from wsinspector.core.storage.profiles.outgoing import (
    Encoding,
    Prepared,
    PreparedComposed,
    prepare_composed,
    prepare_message,
    prepare_on_connect,
    preview_message,
)
from wsinspector.core.storage.profiles.variables import resolve
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.validation import FieldError
from wsinspector.qt.forms.secrets_editor import SecretsEditor
from wsinspector.qt.forms.variables_editor import VariableRow, VariablesEditor

NO_ENVIRONMENT = "No environment"


class ProfileBinding(QObject):
    """A page's profile (or none), its environment choice and the variables they give.

    Signals:
        changed(): the profile, the environment or the variables changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: ProfileStore | None = None
        self.profile: Profile | None = None
        # The page's {{$counter}} and other dynamic values (core/storage/profiles/dynamic.py).
        self.dynamic = DynamicValues()
        self.variables = VariablesEditor()
        self.secrets = SecretsEditor()
        self.variables.edited.connect(self.changed)
        self.secrets.edited.connect(self.changed)
        self._environments = Environments()
        self.environment_combo = QComboBox(parent)
        self.environment_combo.setObjectName("environmentCombo")
        self.environment_combo.setToolTip("The environment whose variables fill {{name}}")
        self.environment_combo.addItem(NO_ENVIRONMENT)
        self.environment_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.environment_combo.currentIndexChanged.connect(lambda _index: self.changed.emit())
        self.environments_button = QToolButton(parent)
        self.environments_button.setObjectName("environmentsButton")
        self.environments_button.setText("…")
        self.environments_button.setToolTip("Edit the environments and their variables")

    # -- store and environments -------------------------------------------------------------

    def attach(self, store: ProfileStore, environments: Environments) -> None:
        self.store = store
        self.set_environments(environments)

    def set_environments(self, environments: Environments) -> None:
        self._environments = environments
        combo = self.environment_combo
        chosen = self.environment
        combo.blockSignals(True)
        try:
            combo.clear()
            combo.addItem(NO_ENVIRONMENT)
            combo.addItems(environments.names())
            if chosen is not None and chosen in environments.names():
                combo.setCurrentText(chosen)
        finally:
            combo.blockSignals(False)

    @property
    def environment(self) -> str | None:
        """The chosen environment's name, None for none."""
        index = self.environment_combo.currentIndex()
        return self.environment_combo.currentText() if index > 0 else None

    def choose_environment(self, name: str | None) -> bool:
        """Select environment `name` (None: none); False when there is no such environment."""
        if name is None:
            self.environment_combo.setCurrentIndex(0)
            return True
        index = self.environment_combo.findText(name)
        if index <= 0:
            return False
        self.environment_combo.setCurrentIndex(index)
        return True

    # -- the profile ------------------------------------------------------------------------

    def set_profile(self, profile: Profile | None) -> None:
        self.profile = profile
        if profile is not None:
            self.variables.set_variables(profile.variables, profile.secrets.variables)
            self.show_secrets(profile.options)
        self.changed.emit()

    def show_secrets(self, options: ConnectionOptions) -> None:
        """List the fields of `options` that may be secret; new profiles get proposals."""
        flags = self.profile.secrets if self.profile is not None else SecretFlags()
        names = list(self.variables.variables())
        self.secrets.set_fields(options, names, flags, propose=self.profile is None)
        if self.store is not None:
            where = (
                "the system keyring"
                if self.store.secrets_location == "keyring"
                else "the profile file, readable by you only (no keyring found)"
            )
            self.secrets.set_location(f"Secret values are kept in {where}.")

    def secret_flags(self) -> SecretFlags:
        variables = self.variables.secret_names()
        return dataclasses.replace(self.secrets.flags(), variables=variables)

    def is_modified(self, options: ConnectionOptions) -> bool:
        profile = self.profile
        if profile is None:
            return False
        return (
            options != profile.options
            or self.variables.variables() != profile.variables
            or self.secret_flags() != profile.secrets
        )

    def new_profile(self, name: str, options: ConnectionOptions) -> Profile:
        """A profile to save under a new name, with this page's variables and secrets."""
        messages = self.profile.messages if self.profile is not None else ()
        return Profile(
            name,
            options,
            messages=messages,
            variables=self.variables.variables(),
            secrets=self.secret_flags(),
        )

    def with_options(self, options: ConnectionOptions) -> Profile | None:
        """The profile as it would be saved with these options (None without a profile)."""
        if self.profile is None:
            return None
        return dataclasses.replace(
            self.profile,
            options=options,
            variables=self.variables.variables(),
            secrets=self.secret_flags(),
        )

    def with_messages(self, messages: tuple[SavedMessage, ...]) -> Profile | None:
        if self.profile is None:
            return None
        return dataclasses.replace(self.profile, messages=messages)

    # -- variables --------------------------------------------------------------------------

    def _values(self) -> tuple[dict[str, str], dict[str, str]]:
        # The page's variables as edited, saved or not.
        return self._environments.variables(self.environment), self.variables.variables()

    def variable_values(self) -> dict[str, str]:
        """The page's variables in one table, the environment's over the profile's."""
        env_vars, profile_vars = self._values()
        return {**profile_vars, **env_vars}

    def set_variable_values(self, changed: dict[str, str]) -> None:
        """Set these variables of the page (a reaction's): rows of the same name take the
        value, other names are added as rows. An environment's value of the same name still
        comes first, as for any of the page's variables."""
        rows = self.variables.rows()
        names = {row.name.strip(): index for index, row in enumerate(rows)}
        for name, value in changed.items():
            if name in names:
                rows[names[name]] = rows[names[name]]._replace(value=value)
            else:
                rows.append(VariableRow(name, value, False))
        self.variables.set_rows(rows)
        self.changed.emit()

    def resolve_options(
        self, options: ConnectionOptions
    ) -> tuple[ConnectionOptions, list[FieldError]]:
        env_vars, profile_vars = self._values()
        return resolve(options, env_vars, profile_vars, self.dynamic)

    def prepare_message(self, text: str, encoding: Encoding) -> Prepared:
        """A message to send, its {{variables}} filled from the environment and the profile."""
        env_vars, profile_vars = self._values()
        return prepare_message(text, encoding, env_vars, profile_vars, self.dynamic)

    def prepare_composed(self, composed: Composed) -> PreparedComposed:
        """A protocol message to send, its {{variables}} filled in every field."""
        env_vars, profile_vars = self._values()
        return prepare_composed(composed, env_vars, profile_vars, self.dynamic)

    def prepare_on_connect(
        self, messages: tuple[SavedMessage, ...], protocol: str
    ) -> tuple[Composed, ...] | str:
        """The saved messages to send on connect in `protocol`, filled; or why not."""
        env_vars, profile_vars = self._values()
        return prepare_on_connect(messages, protocol, env_vars, profile_vars, self.dynamic)

    def preview_message(self, text: str) -> Prepared:
        """What sending `text` now would send, without using up the page's counter."""
        env_vars, profile_vars = self._values()
        return preview_message(text, env_vars, profile_vars, self.dynamic)
