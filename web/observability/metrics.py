"""Prometheus metrics of one app, in the app's own ``CollectorRegistry``.

Labels are bounded sets only: HTTP method, route template, status, error code,
permit/deny.  Never an id, a path or anything a caller typed.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from consent.types import Decision

# Any other method (a scanner's "PROPFIND", say) is counted as "other": one series, not one per guess.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Metrics:
    """Created once per app (``app.state.metrics``); the attributes are the metrics."""

    def __init__(self, *, node_id: str, version: str):
        self.registry = registry = CollectorRegistry()
        self.http_requests = Counter(
            "samband_http_requests", "HTTP requests answered, by route template",
            ("method", "route", "status"), registry=registry,
        )
        self.http_duration = Histogram(
            "samband_http_request_duration_seconds", "Time to answer an HTTP request, by route template",
            ("method", "route"), registry=registry,
        )
        self.messages_accepted = Counter(
            "samband_messages_accepted", "Sealed messages accepted and stored", registry=registry,
        )
        self.messages_rejected = Counter(
            "samband_messages_rejected", "Sealed messages refused, by error code", ("reason",), registry=registry,
        )
        self.websocket_connections = Gauge(
            "samband_websocket_connections", "Open /ws connections on this node", registry=registry,
        )
        self.websocket_pushes = Counter(
            "samband_websocket_pushes", "Events pushed over /ws (messages, receipts, recalls)", registry=registry,
        )
        self.consent_decisions = Counter(
            "samband_consent_decisions", "Disclosure decisions made by the consent gate", ("outcome",),
            registry=registry,
        )
        Gauge(
            "samband_node_info", "This node: always 1", ("node_id", "version"), registry=registry,
        ).labels(node_id=node_id, version=version).set(1)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"
        self.http_requests.labels(method=method, route=route, status=str(status)).inc()
        self.http_duration.labels(method=method, route=route).observe(seconds)

    def count_decisions(self, decisions: Iterable[Decision]) -> None:
        for decision in decisions:
            self.consent_decisions.labels(outcome="permit" if decision.permitted else "deny").inc()

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition in the format ``accept`` asks for (Prometheus text by default),
        and its content type."""
        encode, content_type = choose_encoder(accept or "")
        return encode(self.registry), content_type
