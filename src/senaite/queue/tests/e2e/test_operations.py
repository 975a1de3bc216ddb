# -*- coding: utf-8 -*-
"""What a lab's Prometheus and load balancer see of a real cluster: the metrics of the
queue server before and after work (done, failed, a lost conflict) and across its restart,
parsed with prometheus_client's own parser, and the health of the server and consumers, also
while the database is down.

The scenarios run in order on one cluster.
"""

import time

from prometheus_client.parser import text_string_to_metric_families
from senaite.queue.tests.e2e.cluster import until
from senaite.queue.tests.e2e.test_cluster import drained
from senaite.queue.tests.e2e.test_cluster import obj_uid
from senaite.queue.tests.e2e.test_cluster import record_specs


def scrape(cluster):
    """{(sample name, sorted labels): value} of the queue server's metrics."""
    response = cluster.http.get(
        "{}/queue_metrics".format(cluster.site_url("queue_server")), timeout=30,
        auth=(cluster.local["admin-user"], cluster.local["admin-password"]))
    assert response.status_code == 200, response.text[:500]
    return dict(((sample.name, tuple(sorted(sample.labels.items()))), sample.value)
                for family in text_string_to_metric_families(response.text)
                for sample in family.samples)


def value(samples, name, **labels):
    """A sample's value; 0 when the scrape has none (a counter not counted yet)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def health(cluster, part):
    """(HTTP status, JSON answer) of a part's health check, asked anonymously."""
    response = cluster.http.get("{}/queue_health".format(cluster.site_url(part)), timeout=30)
    try:
        return response.status_code, response.json()
    except ValueError:
        # Zope's own error page: the request failed before the health check ran
        return response.status_code, response.text[:500]


def test_a_scrape_before_and_after_a_drain(cluster):
    before = scrape(cluster)
    record = record_specs("a0a0", 20)
    failing = [{"name": "queue_test_raise", "retries": 1, "min_seconds": 0}]
    cluster.add_tasks(record + failing)
    cluster.wait(lambda st: drained(st) and st["failed"] >= 1, 300)
    after = scrape(cluster)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)
    assert grew("senaite_queue_tasks_done_total", task="queue_test_record") == 20
    assert grew("senaite_queue_task_wait_seconds_count", task="queue_test_record") == 20
    assert grew("senaite_queue_task_run_seconds_count", task="queue_test_record") == 20
    assert grew("senaite_queue_task_wait_seconds_bucket", task="queue_test_record",
                le="+Inf") == 20
    # the failing task ran twice: retried once, then failed for good
    assert grew("senaite_queue_tasks_retried_total", task="queue_test_raise") == 1
    assert grew("senaite_queue_tasks_failed_total", task="queue_test_raise") == 1
    assert grew("senaite_queue_tasks_done_total", task="queue_test_raise") == 0
    assert grew("senaite_queue_task_wait_seconds_count", task="queue_test_raise") == 1
    assert grew("senaite_queue_task_run_seconds_count", task="queue_test_raise") == 2
    assert value(after, "senaite_queue_tasks", status="queued") == 0
    assert value(after, "senaite_queue_tasks", status="running") == 0
    assert value(after, "senaite_queue_tasks", status="failed") == cluster.status()["failed"]
    assert value(after, "senaite_queue_oldest_queued_age_seconds") == 0
    assert value(after, "senaite_queue_status", status="ready") == 1
    seen = [key for key in after if key[0] == "senaite_queue_consumer_last_seen_seconds"]
    assert len(seen) == len(cluster.consumers)


def test_b_a_lost_conflict_is_counted(cluster):
    before = scrape(cluster)
    uids = [obj_uid("b0b0", i) for i in range(4)]
    for uid in uids:
        cluster.touch(uid)
    hot = uids[0]
    cluster.add_tasks([{"name": "queue_test_hot", "uids": uids, "chunk_size": 2,
                        "min_seconds": 1, "chunk_seconds": 0.5}])
    # A user edits one of its objects without a pause until the task loses a conflict
    deadline = time.time() + 240
    while value(scrape(cluster), "senaite_queue_conflicts_lost_total",
                task="queue_test_hot") == value(before, "senaite_queue_conflicts_lost_total",
                                                task="queue_test_hot"):
        cluster.touch(hot)
        assert time.time() < deadline, "the task lost no conflict"
    cluster.wait(drained, 120)
    after = scrape(cluster)
    # the work is done, in as many tasks as its chunks made (each rest is a task of its own)
    effects = cluster.effects()["effects"]
    assert all(effects.get(uid) == 1 for uid in uids)
    assert value(after, "senaite_queue_tasks_done_total", task="queue_test_hot") > \
        value(before, "senaite_queue_tasks_done_total", task="queue_test_hot")
    assert value(after, "senaite_queue_tasks_failed_total", task="queue_test_hot") == 0
    assert value(after, "senaite_queue_tasks_retried_total", task="queue_test_hot") == 0


def test_c_health_of_the_server_and_the_consumers(cluster):
    assert health(cluster, "queue_server") == (
        200, {"healthy": True, "role": "server", "reason": "OK"})
    for part in cluster.consumers:
        assert health(cluster, part) == (
            200, {"healthy": True, "role": "consumer", "reason": "OK"}), part


def test_d_health_while_the_database_is_down(cluster):
    database = cluster.database
    cluster.stop(database)
    try:
        for part in ["queue_server"] + cluster.consumers:
            status, data = until(lambda: health(cluster, part), lambda answer: answer[0] != 200,
                                 60)
            if cluster.storage == "zeo":
                assert status == 503, (part, data)
                assert data["reason"].startswith("The database"), (part, data)
            else:
                # RelStorage cannot begin the request's transaction: Zope answers it with
                # its error page before the health check runs (docs/operations.rst)
                assert status >= 500, (part, data)
    finally:
        cluster.start(database)
        cluster.wait_port(database)
    for part in ["queue_server"] + cluster.consumers:
        until(lambda: health(cluster, part), lambda answer: answer[0] == 200, 120)


def test_e_counters_survive_a_restart_of_the_queue_server(cluster):
    kinds = ("_total", "_count", "_sum", "_bucket")
    before = dict((key, number) for key, number in scrape(cluster).items()
                  if key[0].endswith(kinds))
    assert value(before, "senaite_queue_tasks_done_total", task="queue_test_record") >= 20
    cluster.stop("queue_server")
    cluster.start("queue_server")
    cluster.wait_http("queue_server")
    after = scrape(cluster)
    assert dict((key, after.get(key)) for key in before) == before
