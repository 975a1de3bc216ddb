# -*- coding: utf-8 -*-
"""The queue's numbers for Prometheus: a collector of the site's queue, and its exposition.

Every scrape registers a ``QueueCollector`` in a registry of its own (never
prometheus_client's global one, whose process metrics would be mixed with those of any other
add-on) and renders it in the text format, or in OpenMetrics when the scraper asks for it.
The collector reads the queue's counters, its status indexes and its ``TaskMetrics``, never
a task's record.
"""

import time

from prometheus_client.core import CounterMetricFamily
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry
from prometheus_client.utils import floatToGoString
from senaite.queue import api
from senaite.queue.core import metrics

PREFIX = "senaite_queue_"
STATUSES = (api.READY, api.RESUMING, api.DISABLED)
COUNTERS = (
    (metrics.DONE, "tasks_done", "Tasks done, by task name"),
    (metrics.FAILED, "tasks_failed", "Tasks moved to the failed pool, by task name"),
    (metrics.RETRIED, "tasks_retried", "Tasks queued again after a failed attempt, by task "
                                       "name"),
    (metrics.CONFLICTS, "conflicts_lost", "Write conflicts lost by tasks, by task name"),
)
HISTOGRAMS = (
    (metrics.WAIT, "task_wait_seconds", "Seconds a task waited from queued to its first "
                                        "run, by task name"),
    (metrics.RUN, "task_run_seconds", "Seconds of each attempt of a task, from its lease "
                                      "to its outcome, by task name"),
)


class QueueCollector(object):
    """A prometheus_client collector of a queue's gauges, counters and histograms."""

    def __init__(self, queue, status, now=None):
        self.queue = queue
        self.status = status
        self.now = time.time() if now is None else now

    def collect(self):
        stats = self.queue.statistics(self.now)
        tasks = GaugeMetricFamily(PREFIX + "tasks", "Tasks in the queue, by status",
                                  labels=["status"])
        for status in ("queued", "running", "failed"):
            tasks.add_metric([status], stats[status])
        yield tasks
        oldest = stats["oldest_queued"]
        yield GaugeMetricFamily(
            PREFIX + "oldest_queued_age_seconds",
            "Seconds since the oldest queued task was queued (0 when none is)",
            value=max(0.0, self.now - oldest) if oldest is not None else 0.0)
        seen = GaugeMetricFamily(
            PREFIX + "consumer_last_seen_seconds",
            "Seconds since each consumer last asked for a task", labels=["consumer"])
        for consumer, last in sorted(stats["consumers"].items()):
            seen.add_metric([consumer], max(0.0, self.now - last))
        yield seen
        status = GaugeMetricFamily(PREFIX + "status", "The queue's status: 1 for the "
                                   "current one", labels=["status"])
        for name in STATUSES:
            status.add_metric([name], 1 if name == self.status else 0)
        yield status
        task_metrics = self.queue.metrics()
        counters = task_metrics.counters() if task_metrics is not None else {}
        for key, name, documentation in COUNTERS:
            family = CounterMetricFamily(PREFIX + name, documentation, labels=["task"])
            for task_name, value in sorted(counters.get(key, {}).items()):
                family.add_metric([task_name], value)
            yield family
        histograms = task_metrics.histograms() if task_metrics is not None else {}
        for key, name, documentation in HISTOGRAMS:
            family = HistogramMetricFamily(PREFIX + name, documentation, labels=["task"])
            for task_name, histogram in sorted(histograms.get(key, {}).items()):
                family.add_metric(
                    [task_name],
                    [(floatToGoString(bound), count) for bound, count in histogram.buckets],
                    histogram.sum)
            yield family


def exposition(accept=None, now=None):
    """(body, content type) of the site's queue metrics, in the format ``accept`` (an
    Accept header) asks for: OpenMetrics or Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(api.get_task_queue(), api.get_queue_status(), now=now))
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type
