# -*- coding: utf-8 -*-
"""Benchmark on a real cluster: the same work drained by 1, 2 and 4 consumers.

Builds a cluster like ``make test-e2e`` does (ZEO server, the users' client, queue server,
four consumers, on free ports) and 10 clients with 3 contacts each. Then, with 1, 2 and 4
consumers running, and "Minimum seconds per task" 0 and 3 (the default), a lab manager
queues N security re-index tasks over the 10 clients, in turn, in one request: each is
``api.add_reindex_obj_security_task(client)`` (through ``api.add_task``; a test-only view),
which re-indexes the security of the client and its contacts in one chunk. It measures the
time from that request's answer (when the tasks are committed) until the queue is empty,
and prints tasks per second side by side.

With ``--profile``, it then queues N tasks once more (4 consumers, minimum 0) and prints
where the time of the requests per task goes: the wall time of each kind of request as the
processes served it (``process`` on the consumers, ``pop``/``done`` on the queue server),
the HTTP calls as the consumers' workers saw them, and the functions that took the most time
in those requests (cProfile), through a test-only switch.

Run it with the project's Python 2.7: ``.venv/bin/python bench/reindex.py [--tasks 400]
[--tasks-default 24] [--profile]``. The numbers depend on the machine: every process of
the cluster shares its cores.
"""

from __future__ import print_function

import sys
import time

from harness import cluster_for  # first: it puts the package on sys.path
from harness import parser
from senaite.queue.tests.e2e.lab import senaite

MANAGER = "bench_labmanager"
PASSWORD = "bench-secret-1"
CLIENTS = 10
TASKS_PER_CALL = 200


def drained(status):
    return status["queued"] == 0 and status["running"] == 0


def drain(cluster, client_uids, count, min_seconds):
    """Queue ``count`` re-index tasks as the lab manager; tasks/s until the queue is
    empty."""
    senaite(cluster, "settings", values={"min_seconds_task": min_seconds})
    cluster.wait(drained, 600, step=0.5)
    done_before = cluster.status()["done"]
    queued = 0
    started = None
    while queued < count:
        batch = min(TASKS_PER_CALL, count - queued)
        senaite(cluster, "reindex_tasks", auth=(MANAGER, PASSWORD), count=batch,
                client_uids=client_uids)
        started = started or time.time()
        queued += batch
    status = cluster.wait(lambda st: drained(st) and st["done"] - done_before >= count,
                          3600, step=0.1)
    seconds = time.time() - started
    if status["failed"]:
        print("  warning: {} failed task(s)".format(status["failed"]))
    return count / seconds, seconds


def start_consumers(cluster, running, count):
    for part in cluster.consumers[running:count]:
        cluster.start(part)
    for part in cluster.consumers[running:count]:
        cluster.wait_http(part)
    for part in cluster.consumers[running:count]:
        cluster.kick(part)


def profile(cluster, client_uids, count, parts):
    """Profile the requests of ``count`` tasks (minimum 0) on the queue server and the
    consumers; the reports."""
    senaite(cluster, "settings", values={"min_seconds_task": 0})
    cluster.wait(drained, 600, step=0.5)
    for part in parts:
        senaite(cluster, "profile", part=part, command="start")
    drain(cluster, client_uids, count, 0)
    return [(part, senaite(cluster, "profile", part=part, command="stop")["report"])
            for part in parts]


def main():
    options = parser(__doc__)
    options.add_argument("--tasks", type=int, default=400, help="tasks per run at minimum 0")
    options.add_argument("--tasks-default", type=int, default=24,
                         help="tasks per run at the default minimum (3 s)")
    options.add_argument("--consumers", default="1,2,4")
    options.add_argument("--profile", action="store_true",
                         help="then profile the requests per task (4 consumers, minimum 0)")
    args = options.parse_args()
    counts = [int(count) for count in args.consumers.split(",")]

    rows = []
    reports = []
    with cluster_for("reindex", args.keep, consumers=max(counts), testing=True) as cluster:
        for part in ("client1", "queue_server"):
            cluster.start(part)
            cluster.wait_http(part)
        senaite(cluster, "settings", values={"server": cluster.site_url("queue_server")})
        senaite(cluster, "lab", username=MANAGER, password=PASSWORD)
        client_uids = senaite(cluster, "clients", count=CLIENTS)["uids"]
        running = 0
        for count in counts:
            start_consumers(cluster, running, count)
            running = count
            rate0, seconds0 = drain(cluster, client_uids, args.tasks, 0)
            print("  {} consumer(s), minimum 0 s: {} tasks in {:.1f} s, {:.1f} tasks/s".format(
                count, args.tasks, seconds0, rate0))
            sys.stdout.flush()
            rate3, seconds3 = drain(cluster, client_uids, args.tasks_default, 3)
            print("  {} consumer(s), minimum 3 s: {} tasks in {:.1f} s, {:.2f} tasks/s".format(
                count, args.tasks_default, seconds3, rate3))
            sys.stdout.flush()
            rows.append((count, rate0, seconds0, rate3, seconds3))
        if args.profile:
            parts = ["queue_server"] + cluster.consumers[:running]
            reports = profile(cluster, client_uids, args.tasks, parts)

    for part, report in reports:
        print()
        print("== {} ==".format(part))
        print(report)
    print()
    print("Security re-index tasks over {} clients (3 contacts each), as a lab manager:".format(
        CLIENTS))
    print("| consumers | min. 0 s: tasks/s | ({} tasks, s) | min. 3 s: tasks/s "
          "| ({} tasks, s) |".format(args.tasks, args.tasks_default))
    print("|---|---|---|---|---|")
    for count, rate0, seconds0, rate3, seconds3 in rows:
        print("| {} | {:.1f} | {:.1f} | {:.2f} | {:.1f} |".format(
            count, rate0, seconds0, rate3, seconds3))


if __name__ == "__main__":
    main()
