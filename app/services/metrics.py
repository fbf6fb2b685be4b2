"""The event log's state for GET /health and GET /metrics (Prometheus text format)."""

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily

from app.services.context import Services


def event_log_state(svc: Services) -> dict:
    """Read from the store, not from this process: with several worker processes sharing the
    store, every one of them reports the same figures, whichever delivered."""
    backend = svc.outbox.remote.name if svc.outbox is not None else "sqlite"
    return {"backend": backend, **svc.store.describe()}


class _EventLogCollector:
    """Read at scrape time, so the numbers are the store's, not a copy."""

    def __init__(self, svc: Services):
        self.svc = svc

    def collect(self):
        state = event_log_state(self.svc)
        backend = state["backend"]
        for name, doc in (("backlog", "Events waiting for delivery to the remote log."),
                          ("dead_letters", "Events dead-lettered after too many failed deliveries.")):
            g = GaugeMetricFamily(f"beatengine_outbox_{name}", doc, labels=["backend"])
            g.add_metric([backend], state[name])
            yield g
        c = CounterMetricFamily("beatengine_outbox_delivered", "Events delivered from this event "
                                "store (by any worker process).", labels=["backend"])
        c.add_metric([backend], state["delivered"])
        yield c
        c = CounterMetricFamily("beatengine_outbox_failures", "Failed delivery attempts of this "
                                "event store (by any worker process).", labels=["backend"])
        c.add_metric([backend], state["failures"])
        yield c
        g = GaugeMetricFamily("beatengine_generations", "Generations recorded.")
        g.add_metric([], state["generations"])
        yield g
        g = GaugeMetricFamily("beatengine_generations_in_flight", "Generations running or queued.")
        g.add_metric([], self.svc.runner.in_flight)
        yield g


def render_metrics(svc: Services) -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_EventLogCollector(svc))
    return generate_latest(registry), CONTENT_TYPE_LATEST
