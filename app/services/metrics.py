"""The event log's state for GET /health and GET /metrics (Prometheus text format)."""

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily

from app.services.context import Services


def event_log_state(svc: Services) -> dict:
    state = {"backend": "sqlite", **svc.store.describe()}
    if svc.outbox is not None:
        state |= {"backend": svc.outbox.remote.name, "delivered": svc.outbox.stats.delivered,
                  "last_error": svc.outbox.stats.last_error}
    return state


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
        stats = self.svc.outbox.stats if self.svc.outbox is not None else None
        c = CounterMetricFamily("beatengine_outbox_delivered", "Events delivered since start-up.",
                                labels=["backend"])
        c.add_metric([backend], stats.delivered if stats else 0)
        yield c
        c = CounterMetricFamily("beatengine_outbox_failures", "Failed delivery attempts since "
                                "start-up.", labels=["backend"])
        c.add_metric([backend], stats.failures if stats else 0)
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
