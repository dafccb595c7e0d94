"""The relay's numbers for ``GET /metrics``, in the Prometheus text format (version 0.0.4).

A handful of counters, gauges and one histogram, kept per relay (no process-wide
registry, so tests can run several relays in one process). Reading them costs nothing
until someone scrapes.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Fan-out latency buckets, seconds: the goal is p99 <= 50 ms.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Histogram:
    def __init__(self, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)  # the last one is +Inf
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1

    def lines(self, name: str) -> list[str]:
        lines = []
        cumulative = 0
        for bound, count in zip((*self.buckets, float("inf")), self.counts, strict=True):
            cumulative += count
            le = "+Inf" if bound == float("inf") else repr(bound)
            lines.append(f'{name}_bucket{{le="{le}"}} {cumulative}')
        lines.append(f"{name}_sum {self.total!r}")
        lines.append(f"{name}_count {self.count}")
        return lines


class RelayMetrics:
    """What ``/metrics`` shows. ``desks_connected`` and ``quarantine_size`` are read when
    scraped (callables), the rest is counted as it happens."""

    def __init__(self, *, desks_connected: Callable[[], int], quarantine_size: Callable[[], int]) -> None:
        self.webhooks: Counter[tuple[str, int]] = Counter()  # (kind, status) -> count
        self.desk_connects = 0
        self.desk_drops: Counter[str] = Counter()  # why streams ended
        self.messages_sent = 0
        self.fanout_latency = Histogram()
        self._desks_connected = desks_connected
        self._quarantine_size = quarantine_size

    def webhook(self, kind: str, status: int) -> None:
        self.webhooks[(kind, status)] += 1

    def render(self) -> str:
        out: list[str] = []

        def metric(name: str, kind: str, help_text: str, samples: list[str]) -> None:
            out.append(f"# HELP {name} {help_text}")
            out.append(f"# TYPE {name} {kind}")
            out.extend(samples)

        metric("gravitel_relay_webhooks_total", "counter", "Webhooks from the PBX by kind and HTTP status.",
               [f'gravitel_relay_webhooks_total{{kind="{kind}",status="{status}"}} {count}'
                for (kind, status), count in sorted(self.webhooks.items())])
        metric("gravitel_relay_desks_connected", "gauge", "Desks with an open stream.",
               [f"gravitel_relay_desks_connected {self._desks_connected()}"])
        metric("gravitel_relay_desk_connects_total", "counter", "Streams opened by desks.",
               [f"gravitel_relay_desk_connects_total {self.desk_connects}"])
        metric("gravitel_relay_desk_disconnects_total", "counter", "Streams ended, by reason.",
               [f'gravitel_relay_desk_disconnects_total{{reason="{reason}"}} {count}'
                for reason, count in sorted(self.desk_drops.items())])
        metric("gravitel_relay_messages_sent_total", "counter", "Messages written to desk streams.",
               [f"gravitel_relay_messages_sent_total {self.messages_sent}"])
        metric("gravitel_relay_fanout_latency_seconds", "histogram",
               "From a webhook's arrival to its message written to a desk's stream (live messages).",
               self.fanout_latency.lines("gravitel_relay_fanout_latency_seconds"))
        metric("gravitel_relay_quarantine_size", "gauge", "Refused webhook bodies kept for inspection.",
               [f"gravitel_relay_quarantine_size {self._quarantine_size()}"])
        return "\n".join(out) + "\n"
