"""The connection form's Reconnect tab ↔ a ReconnectPolicy.

objectNames: autoReconnectCheck, reconnectInitialDelaySpin, reconnectMinDelaySpin,
reconnectFactorSpin, reconnectMaxDelaySpin, reconnectMaxAttemptsSpin, reconnectJitterCheck,
reconnectOnCleanCloseCheck, reconnectError.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from wsinspector.core.websocket.reconnect import (
    DEFAULT_FACTOR,
    DEFAULT_INITIAL_DELAY,
    DEFAULT_MAX_DELAY,
    DEFAULT_MIN_DELAY,
    RECONNECT_ATTEMPTS_MAX,
    RECONNECT_DELAY_MAX,
    RECONNECT_FACTOR_DECIMALS,
    RECONNECT_FACTOR_MAX,
    RECONNECT_FACTOR_MIN,
    RECONNECT_MIN_DELAY_MIN,
    ReconnectPolicy,
)
from wsinspector.qt.forms.field_widgets import error_label, seconds_spin


class ReconnectSettings(QWidget):
    """The policy's fields, enabled only while reconnecting is ticked; `error_label` shows
    the policy's problems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.auto_reconnect_check = QCheckBox("Reconnect when the connection drops")
        self.auto_reconnect_check.setObjectName("autoReconnectCheck")
        form.addRow(self.auto_reconnect_check)
        self.initial_delay_spin = seconds_spin(DEFAULT_INITIAL_DELAY, RECONNECT_DELAY_MAX)
        self.initial_delay_spin.setObjectName("reconnectInitialDelaySpin")
        self.initial_delay_spin.setToolTip(
            "The first retry waits a random time up to this (jitter), then the next delay, "
            "growing by the factor per attempt up to the longest delay"
        )
        form.addRow("First delay up to", self.initial_delay_spin)
        self.min_delay_spin = seconds_spin(DEFAULT_MIN_DELAY, RECONNECT_DELAY_MAX)
        self.min_delay_spin.setMinimum(RECONNECT_MIN_DELAY_MIN)
        self.min_delay_spin.setObjectName("reconnectMinDelaySpin")
        self.min_delay_spin.setToolTip("The delay before the second attempt")
        form.addRow("Then", self.min_delay_spin)
        self.factor_spin = QDoubleSpinBox()
        self.factor_spin.setObjectName("reconnectFactorSpin")
        self.factor_spin.setDecimals(RECONNECT_FACTOR_DECIMALS)
        self.factor_spin.setRange(RECONNECT_FACTOR_MIN, RECONNECT_FACTOR_MAX)
        self.factor_spin.setSingleStep(0.1)
        self.factor_spin.setPrefix("\N{MULTIPLICATION SIGN} ")
        self.factor_spin.setValue(DEFAULT_FACTOR)
        self.factor_spin.setToolTip("Each further delay is the previous one times this")
        form.addRow("Growing by", self.factor_spin)
        self.max_delay_spin = seconds_spin(DEFAULT_MAX_DELAY, RECONNECT_DELAY_MAX)
        self.max_delay_spin.setMinimum(0.01)
        self.max_delay_spin.setObjectName("reconnectMaxDelaySpin")
        form.addRow("Longest delay", self.max_delay_spin)
        self.max_attempts_spin = QSpinBox()
        self.max_attempts_spin.setObjectName("reconnectMaxAttemptsSpin")
        self.max_attempts_spin.setRange(0, RECONNECT_ATTEMPTS_MAX)
        self.max_attempts_spin.setSpecialValueText("forever")
        form.addRow("Attempts", self.max_attempts_spin)
        self.jitter_check = QCheckBox("Randomize the first delay (jitter)")
        self.jitter_check.setObjectName("reconnectJitterCheck")
        self.jitter_check.setChecked(True)
        self.jitter_check.setToolTip(
            "On: the first retry waits a random time up to the first delay, so that many "
            "clients don't all come back at once (RFC 6455 §7.2.3). Off: exactly that delay."
        )
        form.addRow(self.jitter_check)
        self.on_clean_close_check = QCheckBox("Also after a normal close (1000)")
        self.on_clean_close_check.setObjectName("reconnectOnCleanCloseCheck")
        form.addRow(self.on_clean_close_check)
        self.error_label = error_label("reconnectError")
        form.addRow(self.error_label)
        for widget in (
            self.initial_delay_spin,
            self.min_delay_spin,
            self.factor_spin,
            self.max_delay_spin,
            self.max_attempts_spin,
            self.jitter_check,
            self.on_clean_close_check,
        ):
            widget.setEnabled(False)
            self.auto_reconnect_check.toggled.connect(widget.setEnabled)

    def policy(self) -> ReconnectPolicy:
        return ReconnectPolicy(
            enabled=self.auto_reconnect_check.isChecked(),
            initial_delay=self.initial_delay_spin.value(),
            min_delay=self.min_delay_spin.value(),
            factor=self.factor_spin.value(),
            max_delay=self.max_delay_spin.value(),
            max_attempts=self.max_attempts_spin.value(),
            jitter=self.jitter_check.isChecked(),
            on_clean_close=self.on_clean_close_check.isChecked(),
        )

    def set_policy(self, policy: ReconnectPolicy) -> None:
        self.auto_reconnect_check.setChecked(policy.enabled)
        self.initial_delay_spin.setValue(policy.initial_delay)
        self.min_delay_spin.setValue(policy.min_delay)
        self.factor_spin.setValue(policy.factor)
        self.max_delay_spin.setValue(policy.max_delay)
        self.max_attempts_spin.setValue(policy.max_attempts)
        self.jitter_check.setChecked(policy.jitter)
        self.on_clean_close_check.setChecked(policy.on_clean_close)
