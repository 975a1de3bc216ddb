# -*- coding: utf-8 -*-
"""What the database server does to a draining queue: it crashes, it is packed.

Run on both storages (``make test-e2e`` and ``make test-e2e STORAGE=postgresql``): a crash is
a SIGKILL of the ZEO server, or an immediate shutdown of PostgreSQL (its backends killed, WAL
recovery on the next start); a pack is ``bin/zeopack -D 0``, or ``zodbpack -d 0`` on
RelStorage history-free, run while consumers work, as an administrator's cron job would.
"""

import time

from senaite.queue.tests.e2e.test_cluster import assert_once
from senaite.queue.tests.e2e.test_cluster import drained
from senaite.queue.tests.e2e.test_cluster import record_specs


def test_database_crash_in_the_middle_of_a_drain(cluster):
    done_before = cluster.status()["done"]
    failed_before = cluster.status()["failed"]
    task_uids = cluster.add_tasks(record_specs("d0d0", 40, min_seconds=1))
    cluster.wait(lambda st: st["done"] > done_before, 60, step=0.2)
    cluster.kill(cluster.database)
    time.sleep(3)
    cluster.start(cluster.database)
    cluster.wait_port(cluster.database)
    status = cluster.wait(drained, 300)
    assert status["failed"] == failed_before
    assert_once(cluster, "d0d0", 40, task_uids)


def test_pack_in_the_middle_of_a_drain(cluster):
    before = cluster.database_size()
    if cluster.storage == "postgresql":
        before = cluster.object_count()
    done_before = cluster.status()["done"]
    failed_before = cluster.status()["failed"]
    task_uids = cluster.add_tasks(record_specs("9a9a", 60, min_seconds=1))
    status = cluster.wait(lambda st: st["done"] > done_before, 60, step=0.2)
    # the pack starts while tasks wait, and it removes something: old revisions from
    # Data.fs, or the objects of finished tasks from PostgreSQL
    assert status["queued"] + status["running"] > 0
    cluster.pack()
    if cluster.storage == "postgresql":
        assert cluster.object_count() < before
    else:
        assert cluster.database_size() < before
    status = cluster.wait(drained, 300)
    assert status["failed"] == failed_before
    assert status["done"] - done_before == 60
    assert_once(cluster, "9a9a", 60, task_uids)
