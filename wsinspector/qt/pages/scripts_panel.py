"""The Scripts tab of a live page's settings: run a test file against the page's settings,
and switch the same file's reactions (`on_open`, `on_message`) on for the page's own
connection.

The file is re-read on every run and each time reactions are switched on. Tests run on the
page's log (each on its own connection, numbered like any reconnect), so their rows are the
page's rows; a result opens its test's first event in the log. Nothing runs on its own: a
file runs only when the user presses Run or switches reactions on. With no file chosen here,
the page's profile's own test files run (Profile.tests); those of a profile imported from
someone else run only once the user has seen and allowed them (`allow_scripts`, asked with
the files' text; the consent is kept per user, storage/profiles/trust.py).

objectNames: `scriptsPanel`, `scriptPathEdit`, `scriptBrowseButton`, `runTestsButton`,
`testResultsView`, `reactionsCheck`, `scriptOutputView`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.scripting.loading import ScriptLoadError, load_script
from wsinspector.core.scripting.reactions import Reactions
from wsinspector.core.scripting.runner import Outcome, RunReport, Target, TestResult, run_files
from wsinspector.core.storage.profiles import Profile
from wsinspector.core.storage.profiles.trust import script_path
from wsinspector.core.websocket.options import ConnectionOptions
from wsinspector.core.websocket.validation import check_options
from wsinspector.qt.pages.controller import SessionController
from wsinspector.qt.pages.page_profile import ProfileBinding

# What the panel needs of its page: the resolved settings and variables, or the words of
# what is wrong with the form.
TargetSource = Callable[[], Target | str]

_MARKS = {Outcome.PASSED: "✔", Outcome.FAILED: "✘", Outcome.ERROR: "⚠"}
_FIRST_ID = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class PageTarget(Target):
    """A page's target, with the page's profile binding: the profile it was opened from (its
    own tests), where the user's consent to run them is kept, and the page's variables."""

    binding: ProfileBinding | None = None


def page_target(typed: ConnectionOptions, binding: ProfileBinding) -> Target | str:
    """The settings tests run with: the page's form, its {{variables}} resolved, and the
    page's variables for `ws.vars`; or the words of what is wrong with the form."""
    options, errors = binding.resolve_options(typed)
    errors += check_options(options)
    if errors:
        return "; ".join(f"{error.field}: {error.message}" for error in errors)
    return PageTarget(options, binding.variable_values(), binding)


def consent_question(profile: Profile, paths: list[Path]) -> str:
    """What the user sees before an imported profile's files run: whose they are and all
    they say (they run with the user's rights)."""
    parts = [
        f"The profile “{profile.name}” was imported from someone else and names test "
        "files to run. They run as Python with your rights: read them before allowing them."
    ]
    for path in paths:
        try:
            text = path.read_text(errors="replace")
        except OSError as exc:
            text = f"(can't be read: {exc.strerror or exc})"
        parts.append(f"── {path}\n{text}")
    return "\n\n".join(parts)


def ask_consent(parent: QWidget, question: str) -> bool:
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Run this profile's scripts?",
        question.split("\n\n", 1)[0],
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setObjectName("scriptConsentBox")
    box.setDetailedText(question)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


class ScriptsPanel(QWidget):
    """Tests and reactions of one live page. `select_log_index` shows an event of the page's
    log (a result opens its test's first event).

    `allow_scripts(parent, question) -> bool` asks the user's consent to an imported
    profile's files (replaceable: tests answer it); it runs from plain slots only."""

    def __init__(
        self,
        log: EventLog,
        controller: SessionController,
        target: TargetSource,
        select_log_index: Callable[[int], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scriptsPanel")
        self._log = log
        self._select_log_index = select_log_index
        self._controller = controller
        self._target = target
        self.allow_scripts: Callable[[QWidget, str], bool] = ask_consent
        self._binding: ProfileBinding | None = None  # the page's, learned from its target
        self.reactions = Reactions(
            log,
            lambda: controller.session,
            self.say,
            self._page_variables,
            self._set_page_variables,
        )

        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("scriptPathEdit")
        self.path_edit.setPlaceholderText(
            "a Python file with async def test_*(ws), on_open(ws), on_message(msg, ws)"
        )
        self.browse_button = QPushButton("Choose…")
        self.browse_button.setObjectName("scriptBrowseButton")
        self.run_button = QPushButton("Run tests")
        self.run_button.setObjectName("runTestsButton")
        self.run_button.setToolTip(
            "Run every test of the file, each on a fresh connection with this page's settings"
        )
        self.reactions_check = QCheckBox("Reactions")
        self.reactions_check.setObjectName("reactionsCheck")
        self.reactions_check.setToolTip(
            "Run the file's on_open(ws) and on_message(msg, ws) on this page's connection"
        )
        self.results = QListWidget()
        self.results.setObjectName("testResultsView")
        self.output = QPlainTextEdit()
        self.output.setObjectName("scriptOutputView")
        self.output.setReadOnly(True)
        self.output.setMaximumBlockCount(2000)

        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        row.addWidget(self.run_button)
        row.addWidget(self.reactions_check)
        body = QHBoxLayout()
        body.addWidget(self.results, 1)
        body.addWidget(self.output, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addLayout(body, 1)

        self.browse_button.clicked.connect(self._choose)
        self.run_button.clicked.connect(self.run_tests)
        self.reactions_check.toggled.connect(self._toggle_reactions)
        self.results.itemActivated.connect(self._open_result)

    def say(self, line: str) -> None:
        """A line in the output pane (reactions' prints and errors, test results)."""
        self.output.appendPlainText(line)

    def _current_target(self) -> Target | str:
        target = self._target()
        if isinstance(target, PageTarget) and target.binding is not None:
            self._binding = target.binding
        return target

    def _page_variables(self) -> dict[str, str]:
        """What a reaction's ws.vars starts from: the page's variables as they are now."""
        if self._binding is None:
            self._current_target()  # the form is complete once connected: learned here
        return self._binding.variable_values() if self._binding is not None else {}

    def _set_page_variables(self, changed: dict[str, str]) -> None:
        """What a reaction set in ws.vars, into the page's Variables."""
        if self._binding is not None:
            self._binding.set_variable_values(changed)
            self.say("Variables set: " + ", ".join(sorted(changed)) + ".")

    def _paths(self, target: Target | str | None) -> list[Path] | None:
        """The file chosen here, else the profile's own test files once allowed; None (and
        said why) when there is nothing to run."""
        text = self.path_edit.text().strip()
        if text:
            return [Path(text)]
        binding = target.binding if isinstance(target, PageTarget) else None
        profile = binding.profile if binding is not None else None
        if profile is None or not profile.tests:
            self.say("Choose a script file first.")
            return None
        paths = [script_path(name) for name in profile.tests]
        trust = binding.store.trust if binding is not None and binding.store else None
        waiting = trust.needs_consent(profile.id, paths) if trust is not None else []
        if waiting:
            if not self.allow_scripts(self, consent_question(profile, waiting)):
                self.say(f"Not run: the scripts of “{profile.name}” were not allowed.")
                return None
            assert trust is not None
            trust.allow(profile.id, waiting)
        return paths

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Script", "", "Python files (*.py)")
        if path:
            self.path_edit.setText(path)

    def run_tests(self) -> None:
        if self._controller.is_running:
            self.say("Close the connection first: each test opens a connection of its own.")
            return
        target = self._current_target()
        if isinstance(target, str):
            self.say(f"Not run: {target}")
            return
        paths = self._paths(target)
        if paths is None:
            return
        self.results.clear()
        self.run_button.setEnabled(False)
        self._controller.spawn(self._run(paths, target))

    async def _run(self, paths: list[Path], target: Target) -> None:
        try:
            report = await run_files(paths, target, self._log, on_result=self._add_result)
        finally:
            self.run_button.setEnabled(True)
        self._summarize(report)

    def _add_result(self, result: TestResult) -> None:
        words = f"{_MARKS[result.outcome]} {result.name}  ({result.seconds:.2f} s)"
        item = QListWidgetItem(words)
        item.setData(_FIRST_ID, result.first_id)
        if result.outcome is not Outcome.PASSED:
            detail = [result.message, *result.last_messages]
            item.setToolTip("\n".join(detail))
            self.say(f"{result.name} {result.outcome.value}: {result.message}")
        self.results.addItem(item)

    def _summarize(self, report: RunReport) -> None:
        for _path, why in report.load_errors:
            self.say(why)
        passed = report.count(Outcome.PASSED)
        self.say(f"{passed} of {len(report.results)} passed.")

    def _open_result(self, item: QListWidgetItem) -> None:
        first_id = item.data(_FIRST_ID)
        index = self._log.index_of(first_id) if isinstance(first_id, int) else None
        if index is not None:
            self._select_log_index(index)

    def _toggle_reactions(self, on: bool) -> None:
        if not on:
            self.reactions.enabled = False
            self.say("Reactions off.")
            return
        paths = self._paths(self._current_target())
        try:
            script = load_script(paths[0]) if paths else None
        except ScriptLoadError as exc:
            self.say(str(exc))
            script = None
        if script is None:
            self.reactions_check.setChecked(False)
            return
        self.reactions.set_script(script)
        self.reactions.enable()
        names = ", ".join(sorted(script.reactions)) or "none defined"
        self.say(f"Reactions on: {names}.")

    def detach(self) -> None:
        self.reactions.detach()
