# -*- coding: utf-8 -*-
"""Benchmark of one Prometheus scrape of the queue (``server.metrics``).

For 1,000 and 100,000 stored tasks (queued, plus a few hundred done, failed and retried
under ten task names, so that every counter and histogram has values), on a FileStorage, it
renders the queue's metrics as ``queue_metrics`` does: once on a new connection with an empty
cache (a scrape right after a restart), then ten times on a warm one (the median). It counts
the objects each scrape loads from the storage, and checks that no task record is among
them: a scrape reads counters and indexes only.

Usage: .venv/bin/python bench/metrics.py [--sizes 1000 100000]
(Python 2.7 of the project's build: prometheus_client and the Plone side are imported.)
"""
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
warnings.filterwarnings("ignore")

import transaction  # noqa: E402
import ZODB  # noqa: E402
from prometheus_client.exposition import generate_latest  # noqa: E402
from prometheus_client.registry import CollectorRegistry  # noqa: E402
from ZODB.FileStorage import FileStorage  # noqa: E402

from senaite.queue.core.storage import TaskQueue  # noqa: E402
from senaite.queue.core.storage import TaskRecord  # noqa: E402
from senaite.queue.core.task import Task  # noqa: E402
from senaite.queue.server.metrics import QueueCollector  # noqa: E402

NAMES = ["task_{}".format(i) for i in range(10)]
BATCH = 2000
FINISHED = 300
WARM_RUNS = 10


class CountingStorage(FileStorage):
    """A FileStorage that counts the objects it loads, and remembers their oids."""

    loaded = None

    def loadBefore(self, oid, tid):
        if self.loaded is not None:
            self.loaded.append(oid)
        return FileStorage.loadBefore(self, oid, tid)


def new_task(number, now):
    uid = "{:032x}".format(number + 1)
    return Task(NAMES[number % len(NAMES)], uid, "/senaite/clients/client-{}/W-{}".format(
        number % 50, number), created=now - 3600 + number * 0.001, retries=1)


def fill(db, size, now):
    """``size`` tasks queued, and ``FINISHED`` more run to an outcome."""
    with db.transaction() as conn:
        conn.root()["queue"] = TaskQueue()
    for start in range(0, size + FINISHED, BATCH):
        with db.transaction() as conn:
            queue = conn.root()["queue"]
            for number in range(start, min(start + BATCH, size + FINISHED)):
                queue.add(new_task(number, now))
    with db.transaction() as conn:
        queue = conn.root()["queue"]
        for number in range(FINISHED):
            task = queue.pop("http://work{}:8089".format(number % 4), now=now + number,
                             max_consumers=16)
            outcome = number % 3
            if outcome == 0:
                queue.done(task.task_uid, task.attempt, now=now + number + 2)
            elif outcome == 1:
                queue.fail(task.task_uid, task.attempt, "boom", now=now + number + 1)
            else:
                queue.conflict(task.task_uid, task.attempt, "lost", now=now + number + 1)


def scrape(queue):
    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(queue, "ready"))
    return generate_latest(registry)


def measure(storage, db, loaded):
    """(seconds, objects loaded, task records loaded, bytes) of one scrape."""
    conn = db.open()
    try:
        queue = conn.root()["queue"]
        storage.loaded = loaded
        start = time.time()
        body = scrape(queue)
        seconds = time.time() - start
        storage.loaded = None
        records = sum(1 for _, obj in conn._cache.items()
                      if isinstance(obj, TaskRecord) and obj._p_changed is not None)
        return seconds, len(loaded), records, len(body)
    finally:
        conn.close()


def run(size):
    workdir = tempfile.mkdtemp(prefix="senaite-queue-bench-metrics-")
    try:
        storage = CountingStorage(os.path.join(workdir, "Data.fs"))
        db = ZODB.DB(storage, cache_size=30000)
        started = time.time()
        fill(db, size, time.time() - 7200)
        filled = time.time() - started
        db.close()
        # a new database: every cache is empty, as after a restart
        storage = CountingStorage(os.path.join(workdir, "Data.fs"))
        db = ZODB.DB(storage, cache_size=30000)
        cold = measure(storage, db, [])
        warm = sorted(measure(storage, db, []) for _ in range(WARM_RUNS))
        db.close()
        median = warm[len(warm) // 2]
        print("{:>8,} tasks (filled in {:.0f} s): cold scrape {:7.1f} ms, {:5} objects "
              "loaded, {} task records; warm scrape {:6.1f} ms (median of {}), {} loaded, "
              "{} task records; {:,} bytes".format(
                  size, filled, cold[0] * 1000, cold[1], cold[2], median[0] * 1000,
                  WARM_RUNS, median[1], median[2], cold[3]))
        sys.stdout.flush()
        transaction.abort()
        return size, cold, median
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000],
                        help="stored tasks of each measurement (default 1000 100000)")
    args = parser.parse_args()
    print("Python {}".format(sys.version.split()[0]))
    rows = [run(size) for size in args.sizes]
    print()
    print("| {:>8} | {:>10} | {:>12} | {:>10} | {:>12} | {:>12} | {:>10} |".format(
        "tasks", "cold (ms)", "cold loaded", "warm (ms)", "warm loaded", "task records",
        "bytes"))
    print("|{}|{}|{}|{}|{}|{}|{}|".format("-" * 10, "-" * 12, "-" * 14, "-" * 12, "-" * 14,
                                          "-" * 14, "-" * 12))
    for size, cold, warm in rows:
        print("| {:>8,} | {:>10.1f} | {:>12} | {:>10.1f} | {:>12} | {:>12} | {:>10,} |"
              .format(size, cold[0] * 1000, cold[1], warm[0] * 1000, warm[1],
                      cold[2] + warm[2], cold[3]))


if __name__ == "__main__":
    main()
