# -*- coding: utf-8 -*-
"""Benchmark of the queue engine (senaite.queue.core): operations per second.

For each storage (MappingStorage, FileStorage, ZEO over loopback, and with
``--storage RelStorage`` RelStorage on PostgreSQL) and each number of tasks
already stored (1,000 and 100,000 queued tasks), it times, with one
transaction committed per operation as the queue server does:

* add: a transaction that adds one task (what a user request does);
* pop, done: a transaction that pops a task, then one that acks it done;
* pop+done: both of the above, per task;
* cycle: add, pop and done, three transactions.

Caches are sized as in a Plone ZEO client (30,000 objects, 128 MB ZEO
cache; RelStorage as in the project's postgresql.cfg: history-free, blobs in
the database, its default 10 MB local cache). Then, over ZEO and RelStorage,
it measures how often a user transaction that adds a task (lasting 0-400 ms)
hits a ConflictError while the queue server pops and acks tasks from another
client. Last, on FileStorage, ZEO and RelStorage, how many bytes the database
grows by per 1,000 tasks added, popped and acknowledged (``--growth``), and
its size after a pack.

Usage: python bench/engine.py [--quick] [--ops N] [--storage NAME ...]
(Python 2.7 or 3; ``src`` is put on sys.path, the ZEO server is started on a
free loopback port and stopped at the end. RelStorage needs the project's
Python 2.7 after ``make build STORAGE=postgresql``: a throw-away PostgreSQL
server is started in a temporary folder by scripts/postgresql, as the
``postgres`` user when run as root, and stopped at the end.)
"""
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import argparse
import os
import random
import shutil
import socket
import subprocess
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
GROWTH_TASKS = 1000
STORAGES = ("MappingStorage", "FileStorage", "ZEO", "RelStorage")
NETWORK = ("ZEO", "RelStorage")
PG_SCRIPT = os.path.join(os.path.dirname(HERE), "scripts", "postgresql")


class PostgreSQLServer(object):
    """A throw-away PostgreSQL server in ``directory``/postgresql, on its Unix socket."""

    def __init__(self, directory):
        # PostgreSQL runs as its own user when we are root: let it through
        os.chmod(directory, 0o711)
        self.directory = os.path.join(directory, "postgresql")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.dsn = "dbname=zodb user=zodb host={} port={}".format(
            os.path.join(self.directory, "run"), self.port)
        with open(os.devnull, "w") as devnull:
            subprocess.check_call(
                [PG_SCRIPT, "start", self.directory, str(self.port)],
                stdout=devnull)

    def psql(self, sql):
        return subprocess.check_output(
            [PG_SCRIPT, "psql", self.directory, str(self.port), "-tAq", "-c", sql]
        ).decode("utf-8").strip()

    def stop(self):
        subprocess.check_call([PG_SCRIPT, "stop", self.directory])


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


def open_storage(kind, directory, server):
    if kind == "MappingStorage":
        storage = MappingStorage()
    elif kind == "FileStorage":
        storage = FileStorage(os.path.join(directory, "Data.fs"))
    elif kind == "ZEO":
        storage = ClientStorage(server.address, cache_size=ZEO_CACHE_SIZE,
                                wait_timeout=60)
    else:
        from relstorage.adapters.postgresql import PostgreSQLAdapter
        from relstorage.options import Options
        from relstorage.storage import RelStorage
        options = Options(keep_history=False, shared_blob_dir=False,
                          blob_dir=os.path.join(directory, "blobcache"))
        storage = RelStorage(PostgreSQLAdapter(dsn=server.dsn, options=options),
                             options=options)
    return ZODB.DB(storage, cache_size=ZODB_CACHE_SIZE)


def start_server(kind, directory):
    """The ZEO or PostgreSQL server a storage needs, or None."""
    if kind == "ZEO":
        return ZEOServer(directory)
    if kind == "RelStorage":
        return PostgreSQLServer(directory)
    return None


def database_size(kind, directory, server):
    """Bytes the database takes on disk (the Data.fs, or PostgreSQL's database)
    and, on PostgreSQL, how many objects it stores and their bytes: what is left
    once (auto)vacuum reclaimed the dead rows."""
    if kind == "RelStorage":
        disk = int(server.psql("SELECT pg_database_size(current_database())"))
        rows, live = server.psql("SELECT count(*), coalesce(sum(octet_length("
                                 "state)), 0) FROM object_state").split("|")
        return disk, int(rows), int(live)
    return os.path.getsize(os.path.join(directory, "Data.fs")), None, None


def measure_growth(kind, directory, server, db, count):
    """The database's sizes (see database_size) before and after ``count``
    tasks are added, popped and acknowledged (three transactions each), and
    after a pack to now (and, on PostgreSQL, a VACUUM FULL, which gives the
    freed pages back)."""
    runner = Runner(db)
    try:
        for _ in range(WARM_UP):
            runner.done(runner.pop()[0])
        before = database_size(kind, directory, server)
        for _ in range(count):
            runner.add()
            runner.done(runner.pop()[0])
        after = database_size(kind, directory, server)
    finally:
        runner.close()
    time.sleep(1)
    db.pack(time.time())
    if kind == "RelStorage":
        server.psql("VACUUM FULL")
    packed = database_size(kind, directory, server)
    return before, after, packed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="10,000 instead of 100,000 stored tasks, fewer "
                        "operations")
    parser.add_argument("--ops", type=int, default=None,
                        help="operations timed per measurement (500)")
    parser.add_argument("--conflict-seconds", type=float, default=None,
                        help="length of each conflict measurement (20 s)")
    parser.add_argument("--storage", action="append", choices=STORAGES,
                        help="a storage to measure, repeat for more (default: "
                        "MappingStorage, FileStorage and ZEO)")
    parser.add_argument("--growth", type=int, default=GROWTH_TASKS,
                        help="tasks of the growth measurement on FileStorage, "
                        "ZEO and RelStorage (1000; 0: none)")
    args = parser.parse_args()
    kinds = args.storage or STORAGES[:3]
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
    growth = {}
    for kind in kinds:
        for size in sizes:
            directory = tempfile.mkdtemp(prefix="senaite-queue-bench-")
            server = None
            try:
                server = start_server(kind, directory)
                db = open_storage(kind, directory, server)
                prefill(db, size)
                rates = results[kind, size] = measure(db, ops)
                print("{:<15} {:>8,} {:>9.0f} {:>9.0f} {:>9.0f} {:>10.0f} "
                      "{:>9.0f}".format(kind, size, rates["add"],
                                        rates["pop"], rates["done"],
                                        rates["pop+done"], rates["cycle"]))
                sys.stdout.flush()
                if kind in NETWORK:
                    server_db = open_storage(kind, directory, server)
                    conflicts[kind, size] = measure_conflicts(
                        db, server_db, conflict_seconds)
                    server_db.close()
                if kind != "MappingStorage" and size == sizes[0] and \
                        args.growth:
                    growth[kind] = measure_growth(kind, directory, server, db,
                                                  args.growth)
                db.close()
            finally:
                if server is not None:
                    server.stop()
                shutil.rmtree(directory, ignore_errors=True)
    small, large = sizes
    print()
    for kind in kinds:
        if kind not in NETWORK:
            continue
        ratio = results[kind, large]["pop+done"] / \
            results[kind, small]["pop+done"]
        print("{} pop+done at {:,} stored / at {:,}: {:.2f} ({})".format(
            kind, large, small, ratio,
            "ok, >= 0.5" if ratio >= 0.5 else "BELOW 0.5"))
    for kind in kinds:
        if kind not in NETWORK:
            continue
        print()
        print("User add transactions (0-400 ms) while the queue server pops "
              "and acks every 250 ms, over {} ({:.0f} s each):".format(
                  kind, conflict_seconds))
        for size in sizes:
            counts = conflicts[kind, size]
            print("  {:>8,} stored: {} of {} conflicted ({:.1f} %), {} server "
                  "transactions".format(
                      size, counts["conflicts"], counts["user"],
                      100.0 * counts["conflicts"] / max(1, counts["user"]),
                      counts["server"]))
    if growth:
        print()
        print("Growth while {:,} tasks are added, popped and acknowledged "
              "({:,} stored):".format(args.growth, small))
        for kind in kinds:
            if kind not in growth:
                continue
            before, after, packed = growth[kind]
            print("  {:<12} {:>12,} bytes per 1,000 tasks on disk; {:,} "
                  "before, {:,} after, {:,} packed".format(
                      kind, (after[0] - before[0]) * 1000 // args.growth,
                      before[0], after[0], packed[0]))
            if before[1] is not None:
                print("  {:<12} {:>12,} bytes per 1,000 tasks of objects "
                      "({:,} objects before, {:,} after, {:,} packed)".format(
                          "", (after[2] - before[2]) * 1000 // args.growth,
                          before[1], after[1], packed[1]))


if __name__ == "__main__":
    main()
