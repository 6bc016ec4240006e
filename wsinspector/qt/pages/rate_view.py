"""The page's rate: `rateLabel` and the sparkline, fed by sampling the log's counters.

A QTimer samples the EventLog's counters four times a second into a core RateMeter; nothing
is done per message, so a flood pays nothing for the rate being shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QWidget

from wsinspector.core.log.eventlog import EventLog
from wsinspector.core.log.rates import RATE_WINDOW, RateMeter
from wsinspector.core.log.wording import rate_words
from wsinspector.core.text.formatting import format_duration
from wsinspector.qt.widgets.sparkline import Sparkline
from wsinspector.qt.widgets.steady_label import SteadyLabel

SAMPLE_INTERVAL_MS = 250


class RateView(QWidget):
    """`rateLabel` (messages and bytes per second each way, the last RTT) and a sparkline."""

    def __init__(
        self, log: EventLog, last_rtt: Callable[[], float | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._log = log
        self._last_rtt = last_rtt
        self.meter = RateMeter()
        self.label = SteadyLabel()  # set four times a second
        self.label.setText(rate_words(self.meter.rates(), None))
        self.label.setObjectName("rateLabel")
        self.label.setToolTip(
            f"Messages and payload bytes per second each way over the last {RATE_WINDOW:g} s, "
            "and the round trip of the last ping answered"
        )
        self.sparkline = Sparkline()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.sparkline)
        self._last_point = 0.0  # time of the newest history point shown
        self.timer = QTimer(self)
        self.timer.setInterval(SAMPLE_INTERVAL_MS)
        self.timer.timeout.connect(self.sample)
        self.timer.start()

    def sample(self) -> None:
        meter = self.meter
        meter.sample(time.monotonic(), self._log.counters, self._last_rtt())
        text = rate_words(meter.rates(), meter.last_rtt)
        if text != self.label.text():
            self.label.setText(text)
        history = meter.history
        if history and history[-1].time != self._last_point:
            self._last_point = history[-1].time
            peak = max(p.rates.messages for p in history)
            rtts = [p.rtt for p in history if p.rtt is not None]
            minutes = len(history) * meter.step / 60
            tip = f"Last {minutes:.1f} min: up to {peak:,.0f} msg/s"
            if rtts:
                tip += f", round trip up to {format_duration(max(rtts))}"
            self.sparkline.set_points(history, tip)

    def stop(self) -> None:
        self.timer.stop()
