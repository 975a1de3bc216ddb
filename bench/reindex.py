# -*- coding: utf-8 -*-
"""Benchmark on a real cluster: many small security re-index walks, drained by the queue's
consumers and done synchronously.

Builds a cluster like ``make test-e2e`` does (ZEO server, the users' client, queue server,
consumers, on free ports) and 10 clients with 20 contacts each. A walk re-indexes the
security of one client and of everything below it; the walks go over the clients in turn.
It measures, side by side, the same walks (1,000 by default):

- synchronous: done in one process, the users' client, by a test-only view
  (``reindex_sync``) with the queue disabled (Queue Server empty): each walk is the whole
  walk of the task adapter ``task_reindex_object_security`` at once, committed on its
  own; the time of the requests. It runs first and again at the end, since the load of a
  shared machine drifts; the ratios use the mean of the two;
- queued: a lab manager queues one task per walk (``reindex_tasks``, through
  ``api.add_reindex_obj_security_task``; the adapter works through the walk in chunks of
  the task's chunk size, 10, the default "Chunk size"), with 1 and 2 consumers, at
  "Minimum seconds per task" 3 (the default) and 0; the time from the answer of the first
  request that queued them (when those tasks are committed) until the queue is empty.

The table shows each case's seconds, walks per second, the tasks the queue ran, and
``x sync``: the case's time per walk over the synchronous one (1.0: as fast; 2.0: twice as
long). This case replaces the former one (3 contacts per client, tasks/s with 1, 2 and 4
consumers): ``--contacts 3 --consumers 1,2,4`` measures it again.

With ``--profile``, it then queues the walks once more (the most consumers, minimum 0)
and prints where the time of the requests per task goes: the wall time of each kind of
request as the processes served it (``process`` on the consumers, ``pop``/``done`` on the
queue server), the HTTP calls as the consumers' workers saw them, and the functions that
took the most time in those requests (cProfile), through a test-only switch.

Run it with the project's Python 2.7: ``.venv/bin/python bench/reindex.py [--walks 1000]
[--walks-min3 N] [--clients 10] [--contacts 20] [--consumers 1,2] [--profile]``; e.g.
``--walks 40 --contacts 5`` for a quick try. The numbers depend on the machine: every
process of the cluster shares its cores.
"""

from __future__ import print_function

import sys
import time

from harness import cluster_for  # first: it puts the package on sys.path
from harness import parser
from senaite.queue.tests.e2e.cluster import until
from senaite.queue.tests.e2e.lab import senaite

MANAGER = "bench_labmanager"
PASSWORD = "bench-secret-1"
# walks per request when doing them synchronously, and when queueing them: a request that
# queues many tasks at once loses its conflicts with consumers that drain the queue fast
WALKS_PER_CALL = 200
TASKS_PER_CALL = 50
DEFAULT_MIN_SECONDS = 3


def drained(status):
    return status["queued"] == 0 and status["running"] == 0


def batches(count, size=WALKS_PER_CALL):
    done = 0
    while done < count:
        batch = min(size, count - done)
        yield batch
        done += batch


def drain(cluster, client_uids, count, min_seconds):
    """Queue ``count`` walks (one task each) as the lab manager; (seconds until the queue
    is empty, tasks the queue ran)."""
    senaite(cluster, "settings", values={"min_seconds_task": min_seconds})
    cluster.wait(drained, 600, step=0.5)
    before = cluster.status()
    started = None
    for batch in batches(count, TASKS_PER_CALL):
        senaite(cluster, "reindex_tasks", auth=(MANAGER, PASSWORD), count=batch,
                client_uids=client_uids)
        started = started or time.time()
    status = cluster.wait(lambda st: drained(st) and st["done"] - before["done"] >= count,
                          24 * 3600, step=0.1)
    seconds = time.time() - started
    if status["failed"] > before["failed"]:
        print("  warning: {} failed task(s)".format(status["failed"] - before["failed"]))
    return seconds, status["done"] - before["done"]


def synchronous(cluster, client_uids, count, server, running):
    """The ``count`` walks done synchronously on the users' client, the queue disabled;
    (seconds, objects re-indexed). ``running``: the consumers that run."""
    cluster.wait(drained, 600, step=0.5)
    senaite(cluster, "settings", values={"server": ""})
    before = cluster.status()
    seconds = 0.0
    objects = 0
    for batch in batches(count):
        start = time.time()
        answer = senaite(cluster, "reindex_sync", auth=(MANAGER, PASSWORD), count=batch,
                         client_uids=client_uids)
        seconds += time.time() - start
        objects += answer["objects"]
    after = cluster.status()
    if (after["queued"], after["done"]) != (before["queued"], before["done"]):
        raise RuntimeError("The synchronous walks queued tasks: {} -> {}".format(
            before, after))
    senaite(cluster, "settings", values={"server": server})
    # Without a Queue Server the workers stopped: start them now, as the next clock tick
    # would (ZServer's clock fires only every ~30 s when the process is idle)
    for part in running:
        until(lambda: cluster.kick(part), lambda text: text.startswith("Consumer"), 60)
    return seconds, objects


def start_consumers(cluster, running, count):
    for part in cluster.consumers[running:count]:
        cluster.start(part)
    for part in cluster.consumers[running:count]:
        cluster.wait_http(part)
    for part in cluster.consumers[running:count]:
        cluster.kick(part)


def profile(cluster, client_uids, count, parts):
    """Profile the requests of ``count`` walks (minimum 0) on the queue server and the
    consumers; the reports."""
    senaite(cluster, "settings", values={"min_seconds_task": 0})
    cluster.wait(drained, 600, step=0.5)
    for part in parts:
        senaite(cluster, "profile", part=part, command="start")
    drain(cluster, client_uids, count, 0)
    return [(part, senaite(cluster, "profile", part=part, command="stop")["report"])
            for part in parts]


def say(text):
    print("  " + text)
    sys.stdout.flush()


def main():
    options = parser(__doc__)
    options.add_argument("--walks", type=int, default=1000,
                         help="walks per case (default 1000)")
    options.add_argument("--walks-min3", type=int, default=None,
                         help="walks of the cases at minimum 3 s (default: --walks); a "
                              "consumer that holds each task for 3 s takes about 3 s per walk")
    options.add_argument("--clients", type=int, default=10,
                         help="clients the walks go over, in turn (default 10)")
    options.add_argument("--contacts", type=int, default=20,
                         help="contacts of each client (default 20)")
    options.add_argument("--consumers", default="1,2",
                         help="numbers of consumers to measure with, comma-separated "
                              "(default 1,2)")
    options.add_argument("--min-seconds", default="{},0".format(DEFAULT_MIN_SECONDS),
                         help="values of \"Minimum seconds per task\" to measure, "
                              "comma-separated (default 3,0)")
    options.add_argument("--profile", action="store_true",
                         help="then profile the requests per task (the most consumers, "
                              "minimum 0)")
    args = options.parse_args()
    counts = [int(count) for count in args.consumers.split(",")]
    minimums = [int(value) for value in args.min_seconds.split(",")]
    walks_min3 = args.walks if args.walks_min3 is None else args.walks_min3

    def walks_at(min_seconds):
        return walks_min3 if min_seconds >= DEFAULT_MIN_SECONDS else args.walks

    rows = []
    reports = []
    sync_rows = []
    with cluster_for("reindex", args.keep, consumers=max(counts), testing=True) as cluster:
        for part in ("client1", "queue_server"):
            cluster.start(part)
            cluster.wait_http(part)
        server = cluster.site_url("queue_server")
        senaite(cluster, "settings", values={"server": server})
        senaite(cluster, "lab", username=MANAGER, password=PASSWORD)
        client_uids = senaite(cluster, "clients", count=args.clients,
                              contacts=args.contacts)["uids"]
        print("{} walks over {} clients with {} contacts each:".format(
            args.walks, args.clients, args.contacts))
        sys.stdout.flush()

        def run_sync(label, running):
            seconds, objects = synchronous(cluster, client_uids, args.walks, server,
                                           cluster.consumers[:running])
            say("{}: {} walks ({} objects) in {:.1f} s".format(label, args.walks, objects,
                                                               seconds))
            sync_rows.append({"case": label, "consumers": "-", "min_seconds": "-",
                              "walks": args.walks, "seconds": seconds, "tasks": 0})

        run_sync("synchronous", 0)
        running = 0
        for count in counts:
            start_consumers(cluster, running, count)
            running = count
            for min_seconds in minimums:
                walks = walks_at(min_seconds)
                seconds, tasks = drain(cluster, client_uids, walks, min_seconds)
                say("queue, {} consumer(s), minimum {} s: {} walks in {:.1f} s, {} tasks"
                    .format(count, min_seconds, walks, seconds, tasks))
                rows.append({"case": "queue", "consumers": count, "min_seconds": min_seconds,
                             "walks": walks, "seconds": seconds, "tasks": tasks})
        run_sync("synchronous, again", running)
        if args.profile:
            parts = ["queue_server"] + cluster.consumers[:running]
            reports = profile(cluster, client_uids, args.walks, parts)

    for part, report in reports:
        print()
        print("== {} ==".format(part))
        print(report)
    rows = sync_rows[:1] + rows + sync_rows[1:]
    sync_per_walk = (sum(row["seconds"] for row in sync_rows)
                     / sum(row["walks"] for row in sync_rows))
    print()
    print("Security re-index walks over {} clients ({} contacts each), as a lab manager; "
          "x sync: seconds per walk / the synchronous runs' mean ({:.3f} s)".format(
              args.clients, args.contacts, sync_per_walk))
    print("| {:<18} | {:>9} | {:>11} | {:>5} | {:>8} | {:>7} | {:>6} | {:>6} |".format(
        "case", "consumers", "min_seconds", "walks", "seconds", "walks/s", "x sync",
        "tasks"))
    print("|{}|{}|{}|{}|{}|{}|{}|{}|".format("-" * 20, "-" * 11, "-" * 13, "-" * 7, "-" * 10,
                                             "-" * 9, "-" * 8, "-" * 8))
    for row in rows:
        row["rate"] = row["walks"] / row["seconds"]
        row["ratio"] = row["seconds"] / row["walks"] / sync_per_walk
        print("| {case:<18} | {consumers:>9} | {min_seconds:>11} | {walks:>5} | "
              "{seconds:>8.1f} | {rate:>7.1f} | {ratio:>6.2f} | {tasks:>6} |".format(**row))


if __name__ == "__main__":
    main()
