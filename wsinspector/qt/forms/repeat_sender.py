"""Repeat sending: the composer's message or the selected saved message, sent every N ms, K
times or until stopped (core/websocket/repeat.py keeps the time); on a page that speaks a
protocol, in that protocol (the protocol composer's fields, or the saved message's).

`repeatToggleButton` (beside the ping/pong payload) shows or hides the row of controls under
the composer, so that they take no room until wanted: `repeatSourceCombo` (Composer: its
message; Saved message: the one selected in the Saved messages tab), `repeatIntervalSpin`
(ms), `repeatTimesSpin` (0: until stopped), `repeatButton`, `repeatStopButton`, and
`repeatStatusLabel`, the repeat's own status ("Sent 12 of 100, every 5 ms", how it ended, or
why it could not start). The message is taken once at the start and prepared afresh for each
send, so `{{$counter}}` and the other dynamic values advance.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from wsinspector.core.storage.profiles import SavedMessage
from wsinspector.core.storage.profiles.outgoing import Encoding
from wsinspector.core.websocket.repeat import (
    INTERVAL_MS_MAX,
    TIMES_MAX,
    Repeater,
    RepeatPlan,
    check_plan,
)
from wsinspector.qt.forms.composer import ENCODINGS, MODE_OF_LABEL, Composer

COMPOSER, SAVED = "Composer", "Saved message"
# At most this many status updates a second: at 1 ms a label redrawn per send would cost more
# than the sends.
STATUS_EVERY_SENDS = 50

# Sends the composer's message once: "" when sent, else why not.
SendPrepared = Callable[[str, Encoding], str]
# Sends a saved message once (in its protocol, if it has one): "" when sent, else why not.
SendSaved = Callable[[SavedMessage], str]


class RepeatSender(QWidget):
    """The repeat controls of a live page; `set_connected(False)` stops a running repeat."""

    def __init__(
        self,
        composer: Composer,
        selected_saved: Callable[[], SavedMessage | None],
        send: SendPrepared,
        send_saved: SendSaved,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._composer = composer
        self._selected_saved = selected_saved
        self._send = send
        self._send_saved = send_saved
        self._repeater: Repeater | None = None
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("repeatSourceCombo")
        self.source_combo.addItems([COMPOSER, SAVED])
        self.source_combo.setToolTip(
            "What to repeat: the composer's message, or the saved message selected in the "
            "Saved messages tab"
        )
        self.interval_spin = QSpinBox()
        self.interval_spin.setObjectName("repeatIntervalSpin")
        self.interval_spin.setRange(1, INTERVAL_MS_MAX)
        self.interval_spin.setValue(1000)
        self.interval_spin.setPrefix("every ")
        self.interval_spin.setSuffix(" ms")
        self.times_spin = QSpinBox()
        self.times_spin.setObjectName("repeatTimesSpin")
        self.times_spin.setRange(0, TIMES_MAX)
        self.times_spin.setSpecialValueText("until stopped")
        self.times_spin.setSuffix(" times")
        self.repeat_button = QPushButton("Repeat")
        self.repeat_button.setObjectName("repeatButton")
        self.repeat_button.setToolTip("Send the message again and again on this schedule")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("repeatStopButton")
        self.status_label = QLabel()
        self.status_label.setObjectName("repeatStatusLabel")
        # Not in this widget's layout: the page puts it in its ping/pong row.
        self.toggle_button = QToolButton()
        self.toggle_button.setObjectName("repeatToggleButton")
        self.toggle_button.setText("Repeat…")
        self.toggle_button.setCheckable(True)
        self.toggle_button.setToolTip("Send a message every N ms, K times or until stopped")
        self.toggle_button.toggled.connect(self.setVisible)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Repeat"))
        row.addWidget(self.source_combo)
        row.addWidget(self.interval_spin)
        row.addWidget(self.times_spin)
        row.addWidget(self.repeat_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.status_label, 1)
        self.repeat_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self._connected = False
        self._update_buttons()
        self.hide()

    def row_beside(self, widget: QWidget) -> QHBoxLayout:
        """A row of `widget` and the toggle button, for the page to put above this one."""
        row = QHBoxLayout()
        row.addWidget(widget, 1)
        row.addWidget(self.toggle_button)
        return row

    @property
    def running(self) -> bool:
        return self._repeater is not None and self._repeater.running

    def set_connected(self, connected: bool) -> None:
        self._connected = connected
        if not connected:
            self.stop()
        self._update_buttons()

    def _message(self) -> Callable[[], str] | str:
        """What sends the message to repeat once, or why there is none."""
        if self.source_combo.currentText() == SAVED:
            message = self._selected_saved()
            if message is None:
                return "select a saved message first"
            send_saved = self._send_saved
            return lambda: send_saved(message)
        text = self._composer.message_edit.toPlainText()
        if not text:
            return "the composer is empty"
        label = self._composer.format_combo.currentText()
        encoding = ENCODINGS.get(label, MODE_OF_LABEL[label])
        send = self._send
        return lambda: send(text, encoding)

    def start(self) -> None:
        if self.running or not self._connected:
            return
        times = self.times_spin.value() or None
        plan = RepeatPlan(self.interval_spin.value(), times)
        message = self._message()
        problem = check_plan(plan)
        if isinstance(message, str):
            problem = problem or message
        elif not problem:
            self._repeater = Repeater(plan, message, self._on_progress, self._on_end)
            self.status_label.setText(f"Repeating {plan.words()}")
            self._repeater.start()
            self._update_buttons()
            return
        self.status_label.setText(f"Not repeated: {problem}")

    def stop(self) -> None:
        if self._repeater is not None:
            self._repeater.stop()

    def _on_progress(self, sent: int) -> None:
        if sent == 1 or sent % STATUS_EVERY_SENDS == 0:
            self.status_label.setText(self._progress_words(sent))

    def _progress_words(self, sent: int) -> str:
        plan = self._repeater.plan if self._repeater is not None else None
        of = f" of {plan.times}" if plan is not None and plan.times else ""
        every = f", every {plan.interval_ms} ms" if plan is not None else ""
        return f"Sent {sent}{of}{every}"

    def _on_end(self, sent: int, why: str) -> None:
        ending = {"": "done", "stopped": "stopped"}.get(why, why)
        self.status_label.setText(f"Sent {sent}: {ending}")
        self._repeater = None  # its task ends right after this call
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.running
        self.repeat_button.setEnabled(self._connected and not running)
        self.stop_button.setEnabled(running)
        self.toggle_button.setText("Repeating…" if running else "Repeat…")
