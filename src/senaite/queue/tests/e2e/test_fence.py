# -*- coding: utf-8 -*-
"""Exactly once when the outcome of a committed run never reaches the queue server: the
receipt the work committed with decides, on a real cluster."""

from senaite.queue.tests.e2e.cluster import until
from senaite.queue.tests.e2e.test_cluster import assert_once
from senaite.queue.tests.e2e.test_cluster import drained
from senaite.queue.tests.e2e.test_cluster import obj_uid


def test_consumer_killed_between_the_commit_and_its_report(cluster):
    before = cluster.status()
    # one window: three tasks, and the one whose consumer dies after the commit
    task_uids = cluster.add_tasks([{
        "name": "queue_test_record", "uids": [obj_uid("7e7d", i)], "max_seconds": 10,
        "min_seconds": 0} for i in range(3)] + [{
        "name": "queue_test_killed_after_commit", "uids": [obj_uid("7e7e", 0)],
        "max_seconds": 10, "min_seconds": 0}])
    # the consumer that runs it dies right after the commit of its work
    victim, = until(
        lambda: [part for part in cluster.consumers
                 if cluster.processes[part].poll() is not None],
        bool, 120, step=0.2, message="No consumer died after the commit")
    try:
        # their leases end; the tasks are given up, and their receipts count them done
        status = cluster.wait(drained, 120)
        assert status["done"] == before["done"] + 4
        assert status["failed"] == before["failed"]
        assert_once(cluster, "7e7d", 3, task_uids[:3])
        assert_once(cluster, "7e7e", 1, task_uids[3:])
    finally:
        cluster.start(victim)
        cluster.wait_http(victim)


def test_commit_whose_last_phase_fails_after_the_database_committed(cluster):
    before = cluster.status()
    task_uid, = cluster.add_tasks([{
        "name": "queue_test_lost_finish", "uids": [obj_uid("5f5f", 0)], "retries": 0,
        "min_seconds": 0}])
    status = cluster.wait(drained, 120)
    # the consumer saw an error and reported a failure, with no retry left: the work
    # committed, so the task counts done, not failed
    failure = "Task {} (queue_test_lost_finish) failed".format(task_uid)
    assert any(failure in cluster.log_text(part) for part in cluster.consumers)
    assert status["done"] == before["done"] + 1
    assert status["failed"] == before["failed"]
    assert_once(cluster, "5f5f", 1, [task_uid])
