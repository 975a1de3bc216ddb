# -*- coding: utf-8 -*-
"""The queue's counters and histograms by task name (``core.metrics``)."""
from __future__ import absolute_import

import pytest

from senaite.queue.core.metrics import BUCKETS
from senaite.queue.core.metrics import TaskMetrics
from senaite.queue.tests.unit.helpers import NOW
from senaite.queue.tests.unit.helpers import new_task
from senaite.queue.tests.unit.helpers import open_connection

C1 = "http://localhost:8091"


def run(queue, name, now, **kw):
    """Add a task of ``name`` created at ``now`` and pop it 2 s later."""
    queue.add(new_task(name, created=now, **kw))
    return queue.pop(C1, now=now + 2)


def buckets(histogram):
    return dict(histogram.buckets)


def test_a_new_queue_counts_nothing(queue):
    assert queue.metrics().counters() == {
        "done": {}, "failed": {}, "retried": {}, "conflicts": {}}
    assert queue.metrics().histograms() == {"wait": {}, "run": {}}


def test_done_counts_and_observes_wait_and_run(queue):
    task = run(queue, "a", NOW)
    queue.done(task.task_uid, 1, now=NOW + 9)
    metrics = queue.metrics()
    assert metrics.counters()["done"] == {"a": 1}
    wait = metrics.histograms()["wait"]["a"]
    assert (wait.count, wait.sum) == (1, 2.0)
    assert buckets(wait)[1.0] == 0 and buckets(wait)[2.5] == 1
    run_time = metrics.histograms()["run"]["a"]
    assert (run_time.count, run_time.sum) == (1, 7.0)
    assert buckets(run_time)[5.0] == 0 and buckets(run_time)[10.0] == 1
    assert run_time.buckets[-1] == (float("inf"), 1)


def test_a_retry_and_a_failure_count_apart_and_wait_once(queue):
    task = run(queue, "b", NOW, retries=1)
    queue.fail(task.task_uid, 1, "boom", now=NOW + 3)
    task = queue.pop(C1, now=NOW + 100)
    queue.fail(task.task_uid, 2, "boom", now=NOW + 101)
    counters = queue.metrics().counters()
    assert counters["retried"] == {"b": 1}
    assert counters["failed"] == {"b": 1}
    assert counters["done"] == {}
    histograms = queue.metrics().histograms()
    assert histograms["wait"]["b"].count == 1
    assert (histograms["run"]["b"].count, histograms["run"]["b"].sum) == (2, 2.0)


def test_conflicts_are_counted_and_a_give_up_fails(queue):
    task = run(queue, "c", NOW)
    queue.conflict(task.task_uid, 1, "lost", now=NOW + 3)
    task = queue.pop(C1, now=NOW + 100)
    queue.conflict(task.task_uid, 2, "lost", deadline=0, now=NOW + 101)
    counters = queue.metrics().counters()
    assert counters["conflicts"] == {"c": 2}
    assert counters["failed"] == {"c": 1}
    assert queue.metrics().histograms()["run"]["c"].count == 2


def test_a_timeout_is_a_retry_or_a_failure(queue):
    task = run(queue, "d", NOW, retries=0)
    queue.timeout(task.task_uid, 1, now=NOW + 4)
    assert queue.metrics().counters()["failed"] == {"d": 1}


def test_names_are_kept_apart(queue):
    for name in ("x", "y", "x"):
        task = run(queue, name, NOW)
        queue.done(task.task_uid, 1, now=NOW + 3)
    assert queue.metrics().counters()["done"] == {"x": 2, "y": 1}


def test_histogram_bounds_and_long_durations():
    metrics = TaskMetrics()
    for seconds in (BUCKETS[0], 4000, -1):
        metrics.observe("wait", "e", seconds)
    histogram = metrics.histograms()["wait"]["e"]
    assert histogram.buckets[0] == (BUCKETS[0], 2)
    assert histogram.buckets[-2] == (BUCKETS[-1], 2)
    assert histogram.buckets[-1] == (float("inf"), 3)
    assert histogram.sum == 4000.1


def test_unknown_kinds_are_refused():
    metrics = TaskMetrics()
    with pytest.raises(ValueError):
        metrics.count("lost", "e")
    with pytest.raises(ValueError):
        metrics.observe("sleep", "e", 1)


def test_a_queue_stored_without_metrics_counts_after_ensure(queue):
    del queue._metrics
    task = run(queue, "f", NOW)
    queue.done(task.task_uid, 1, now=NOW + 3)
    assert queue.metrics() is None
    assert queue.ensure_metrics() is True
    assert queue.ensure_metrics() is False
    task = run(queue, "f", NOW)
    queue.done(task.task_uid, 1, now=NOW + 3)
    assert queue.metrics().counters()["done"] == {"f": 1}


def test_concurrent_counts_of_one_name_merge(filestorage_db):
    with filestorage_db.transaction() as conn:
        # the first count of a key inserts it; later ones change its Length only
        conn.root()["queue"].metrics().count("done", "g")
        conn.root()["queue"].metrics().observe("run", "g", 1.5)
    first, second = open_connection(filestorage_db), open_connection(filestorage_db)
    for conn in (first, second):
        conn.transaction_manager.begin()
        metrics = conn.root()["queue"].metrics()
        metrics.count("done", "g")
        metrics.observe("run", "g", 1.5)
    first.transaction_manager.commit()
    second.transaction_manager.commit()  # merged, no ConflictError
    first.close()
    second.close()
    with filestorage_db.transaction() as conn:
        metrics = conn.root()["queue"].metrics()
        assert metrics.counters()["done"] == {"g": 3}
        histogram = metrics.histograms()["run"]["g"]
        assert (histogram.count, histogram.sum) == (3, 4.5)
