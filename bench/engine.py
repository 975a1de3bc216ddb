# -*- coding: utf-8 -*-
"""Benchmark of the queue engine (senaite.queue.core): operations per second.

For each storage (MappingStorage, FileStorage, ZEO over loopback) and each
number of tasks already stored (1,000 and 100,000 queued tasks), it times,
with one transaction committed per operation as the queue server does:

* add: a transaction that adds one task (what a user request does);
* pop, done: a transaction that pops a task, then one that acks it done;
* pop+done: both of the above, per task;
* cycle: add, pop and done, three transactions.

Caches are sized as in a Plone ZEO client (30,000 objects, 128 MB ZEO
cache). Then, over ZEO, it measures how often a user transaction that adds
a task (lasting 0-400 ms) hits a ConflictError while the queue server pops
and acks tasks from another ZEO client.

Usage: python bench/engine.py [--quick] [--ops N]
(Python 2.7 or 3; ``src`` is put on sys.path, the ZEO server is started on a
free loopback port and stopped at the end.)
"""
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
warnings.filterwarnings("ignore", message=".*Python 2 is no longer supported")

import transaction  # noqa: E402
import ZODB  # noqa: E402
from ZEO.ClientStorage import ClientStorage  # noqa: E402
from ZODB.FileStorage import FileStorage  # noqa: E402
from ZODB.MappingStorage import MappingStorage  # noqa: E402
from ZODB.POSException import ConflictError  # noqa: E402

from senaite.queue.core.retry import run_in_transaction  # noqa: E402
from senaite.queue.core.storage import TaskQueue  # noqa: E402
from senaite.queue.core.task import Task  # noqa: E402
from senaite.queue.tests.unit.zeoserver import ZEOServer  # noqa: E402

PREFILL_BATCH = 5000
CONSUMER = "http://localhost:8089"
# The cache sizes of a Plone ZEO client (plone.recipe.zope2instance's
# defaults zodb-cache-size and zeo-client-cache-size), as in the cluster.
ZODB_CACHE_SIZE = 30000
ZEO_CACHE_SIZE = 128 * 1024 * 1024
WARM_UP = 50


def make_task(created):
    """A task like the ones SENAITE queues: random context and uids."""
    context = uuid.uuid4().hex
    return Task("task_assign_analyses", context,
                "/senaite/worksheets/WS-{}".format(context[:6]),
                uids=[uuid.uuid4().hex for _ in range(3)], created=created,
                username="analyst")


def prefill(db, count):
    """Store ``count`` queued tasks, in big transactions."""
    conn = db.open()
    conn.root()["queue"] = queue = TaskQueue()
    transaction.commit()
    start = time.time() - count * 0.01 - 3600
    for first in range(0, count, PREFILL_BATCH):
        for i in range(first, min(count, first + PREFILL_BATCH)):
            queue.add(make_task(start + i * 0.01))
        transaction.commit()
        conn.cacheMinimize()
    conn.close()


class Runner(object):
    """Times operations, one transaction each, on one connection."""

    def __init__(self, db):
        self.tm = transaction.TransactionManager(explicit=True)
        self.conn = db.open(self.tm)

    def run(self, fn):
        """Run fn(queue) in its own transaction; return (result, seconds).
        """
        start = time.time()
        result = run_in_transaction(
            self.tm, lambda: fn(self.conn.root()["queue"]))
        return result, time.time() - start

    def add(self):
        return self.run(lambda queue: queue.add(make_task(time.time())))[1]

    def pop(self):
        return self.run(lambda queue: queue.pop(CONSUMER))

    def done(self, task):
        return self.run(lambda queue: queue.done(task.task_uid,
                                                 task.attempt))[1]

    def close(self):
        self.conn.close()


def measure(db, ops):
    """ops/s of add, pop, done, pop+done and add->pop->done, after a few
    untimed pop+done to warm the caches up."""
    runner = Runner(db)
    try:
        for _ in range(WARM_UP):
            runner.done(runner.pop()[0])
        add_time = sum(runner.add() for _ in range(ops))
        pop_time = done_time = 0.0
        for _ in range(ops):
            task, seconds = runner.pop()
            pop_time += seconds
            done_time += runner.done(task)
        cycle_time = 0.0
        for _ in range(ops):
            cycle_time += runner.add()
            task, seconds = runner.pop()
            cycle_time += seconds + runner.done(task)
    finally:
        runner.close()
    return {
        "add": ops / add_time,
        "pop": ops / pop_time,
        "done": ops / done_time,
        "pop+done": ops / (pop_time + done_time),
        "cycle": ops / cycle_time,
    }


def measure_conflicts(user_db, server_db, seconds):
    """User transactions (add one task, last 0-400 ms) against a queue
    server popping and acking a task every 250 ms: how many conflict."""
    stop = time.time() + seconds
    counts = {"user": 0, "conflicts": 0, "server": 0}

    def server():
        runner = Runner(server_db)
        while time.time() < stop:
            task = runner.pop()[0]
            counts["server"] += 1
            time.sleep(0.25)
            if task is not None:
                runner.done(task)
                counts["server"] += 1
        runner.close()

    def user():
        rng = random.Random(1)
        tm = transaction.TransactionManager(explicit=True)
        conn = user_db.open(tm)
        while time.time() < stop:
            tm.begin()
            conn.root()["queue"].add(make_task(time.time()))
            time.sleep(rng.random() * 0.4)
            try:
                tm.commit()
            except ConflictError:
                tm.abort()
                counts["conflicts"] += 1
            counts["user"] += 1
        conn.close()

    threads = [threading.Thread(target=server), threading.Thread(target=user)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def open_storage(kind, directory, zeo):
    if kind == "MappingStorage":
        storage = MappingStorage()
    elif kind == "FileStorage":
        storage = FileStorage(os.path.join(directory, "Data.fs"))
    else:
        storage = ClientStorage(zeo.address, cache_size=ZEO_CACHE_SIZE,
                                wait_timeout=60)
    return ZODB.DB(storage, cache_size=ZODB_CACHE_SIZE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="10,000 instead of 100,000 stored tasks, fewer "
                        "operations")
    parser.add_argument("--ops", type=int, default=None,
                        help="operations timed per measurement (500)")
    parser.add_argument("--conflict-seconds", type=float, default=None,
                        help="length of each conflict measurement (20 s)")
    args = parser.parse_args()
    sizes = (1000, 10000) if args.quick else (1000, 100000)
    ops = args.ops or (200 if args.quick else 500)
    conflict_seconds = args.conflict_seconds or (5 if args.quick else 20)

    print("senaite.queue engine benchmark: Python {}, {} ops per "
          "measurement, one transaction per operation".format(
              sys.version.split()[0], ops))
    header = "{:<15} {:>8} {:>9} {:>9} {:>9} {:>10} {:>9}".format(
        "storage", "stored", "add/s", "pop/s", "done/s", "pop+done/s",
        "cycle/s")
    print(header)
    print("-" * len(header))
    results = {}
    conflicts = {}
    for kind in ("MappingStorage", "FileStorage", "ZEO"):
        for size in sizes:
            directory = tempfile.mkdtemp(prefix="senaite-queue-bench-")
            zeo = ZEOServer(directory) if kind == "ZEO" else None
            try:
                db = open_storage(kind, directory, zeo)
                prefill(db, size)
                rates = results[kind, size] = measure(db, ops)
                print("{:<15} {:>8,} {:>9.0f} {:>9.0f} {:>9.0f} {:>10.0f} "
                      "{:>9.0f}".format(kind, size, rates["add"],
                                        rates["pop"], rates["done"],
                                        rates["pop+done"], rates["cycle"]))
                sys.stdout.flush()
                if zeo is not None:
                    server_db = open_storage(kind, directory, zeo)
                    conflicts[size] = measure_conflicts(db, server_db,
                                                        conflict_seconds)
                    server_db.close()
                db.close()
            finally:
                if zeo is not None:
                    zeo.stop()
                shutil.rmtree(directory, ignore_errors=True)
    small, large = sizes
    ratio = results["ZEO", large]["pop+done"] / \
        results["ZEO", small]["pop+done"]
    print()
    print("ZEO pop+done at {:,} stored / at {:,}: {:.2f} ({})".format(
        large, small, ratio, "ok, >= 0.5" if ratio >= 0.5 else "BELOW 0.5"))
    print()
    print("User add transactions (0-400 ms) while the queue server pops and "
          "acks every 250 ms, over ZEO ({:.0f} s each):".format(
              conflict_seconds))
    for size in sizes:
        counts = conflicts[size]
        print("  {:>8,} stored: {} of {} conflicted ({:.1f} %), {} server "
              "transactions".format(
                  size, counts["conflicts"], counts["user"],
                  100.0 * counts["conflicts"] / max(1, counts["user"]),
                  counts["server"]))


if __name__ == "__main__":
    main()
