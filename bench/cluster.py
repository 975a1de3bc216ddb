# -*- coding: utf-8 -*-
"""End-to-end benchmark on a real cluster: tasks/s and enqueue-to-start latency.

Builds a cluster like ``make test-e2e`` does (ZEO server, user client, queue server, up to 4
consumers, on free ports), then, with 1, 2 and 4 consumers running:

- throughput: N no-op tasks (``min_seconds`` 0) queued at once on the user client, and the
  time from the first enqueue to the last commit;
- idle latency: single tasks queued one at a time on an idle queue, ``started - created``;
- latency under load: tasks fed at about half the measured throughput for a while;
- growth (4 consumers): the bytes the database grows by while N tasks are queued one by one,
  each in a request of its own as users queue them, and processed; and its size after a pack
  to now (``bin/zeopack -D 0``, or ``zodbpack -d 0`` on RelStorage).

``--storage postgresql`` runs the cluster on RelStorage (history-free) with a throw-away
PostgreSQL server, as ``make test-e2e STORAGE=postgresql`` does (``make build
STORAGE=postgresql`` first, for RelStorage in the virtualenv).

Run it with the project's Python 2.7: ``.venv/bin/python bench/cluster.py [--tasks N]``.
"""

from __future__ import print_function

import time

from harness import cluster_for
from harness import parser


def noop(count, prefix):
    width = 32 - len(prefix)
    return [{"name": "queue_test_record", "min_seconds": 0,
             "uids": ["{}{:0{}x}".format(prefix, i, width)]} for i in range(count)]


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def drained(status):
    return status["queued"] == 0 and status["running"] == 0


def timings(cluster, task_uids):
    data = cluster.effects()["timings"]
    return [data[uid] for uid in task_uids]


def throughput(cluster, count, prefix):
    task_uids = cluster.add_tasks(noop(count, prefix))
    cluster.wait(drained, 600, step=0.2)
    rows = timings(cluster, task_uids)
    first_created = min(row[0] for row in rows)
    last_done = max(row[2] for row in rows)
    return count / (last_done - first_created)


def idle_latency(cluster, samples, prefix):
    latencies = []
    for i in range(samples):
        task_uid, = cluster.add_tasks(noop(1, "{}{:02x}".format(prefix, i)))
        cluster.wait(drained, 60, step=0.05)
        created, started, _ = timings(cluster, [task_uid])[0]
        latencies.append(started - created)
        time.sleep(0.5)
    return latencies


def loaded_latency(cluster, rate, seconds, prefix):
    task_uids = []
    interval = 1.0 / rate
    deadline = time.time() + seconds
    i = 0
    while time.time() < deadline:
        started = time.time()
        task_uids += cluster.add_tasks(noop(1, "{}{:06x}".format(prefix, i)))
        i += 1
        time.sleep(max(0, interval - (time.time() - started)))
    cluster.wait(drained, 600, step=0.2)
    return [started - created for created, started, _ in timings(cluster, task_uids)]


def growth(cluster, count, prefix):
    """Database sizes before and after ``count`` tasks, and after a pack; on PostgreSQL
    also its objects and their bytes (what is left once vacuum reclaimed the dead rows)."""
    def sizes():
        if cluster.storage == "postgresql":
            return cluster.database_size(), cluster.object_count(), cluster.live_bytes()
        return cluster.database_size(), None, None
    before = sizes()
    for i in range(count):
        cluster.add_tasks(noop(1, "{}{:05x}".format(prefix, i)))
    cluster.wait(drained, 900, step=0.5)
    after = sizes()
    cluster.pack()
    return before, after, sizes()


def measure(cluster, args):
    """(consumers, tasks/s, idle latencies, loaded latencies) for 1, 2 and 4 consumers."""
    results = []
    for part in ("client1", "queue_server"):
        cluster.start(part)
        cluster.wait_http(part)
    running = 0
    for count in (1, 2, 4):
        for part in cluster.consumers[running:count]:
            cluster.start(part)
            cluster.wait_http(part)
            cluster.kick(part)
        running = count
        prefix = "{:x}".format(count)
        print("{} consumer(s): throughput ...".format(count))
        rate = throughput(cluster, args.tasks, prefix + "a")
        print("{} consumer(s): idle latency ...".format(count))
        idle = idle_latency(cluster, args.samples, prefix + "b")
        print("{} consumer(s): latency under load ...".format(count))
        loaded = loaded_latency(cluster, rate / 2.0, args.load_seconds, prefix + "c")
        results.append((count, rate, idle, loaded))
    grown = None
    if args.growth:
        print("4 consumers: growth over {} tasks ...".format(args.growth))
        grown = growth(cluster, args.growth, "fd")
    return results, grown


def main():
    options = parser(__doc__)
    options.add_argument("--tasks", type=int, default=400, help="tasks per throughput run")
    options.add_argument("--samples", type=int, default=20, help="idle latency samples")
    options.add_argument("--load-seconds", type=int, default=20, help="loaded run length")
    options.add_argument("--storage", choices=("zeo", "postgresql"), default="zeo",
                         help="the database: ZEO (default) or RelStorage on PostgreSQL")
    options.add_argument("--growth", type=int, default=1000,
                         help="tasks of the growth measurement (0: none)")
    args = options.parse_args()

    with cluster_for("cluster-" + args.storage, args.keep, consumers=4,
                     storage=args.storage) as cluster:
        results, grown = measure(cluster, args)

    print()
    print("| consumers | tasks/s | idle p50 (s) | idle p95 (s) | load (tasks/s) "
          "| load p50 (s) | load p95 (s) |")
    print("|---|---|---|---|---|---|---|")
    for count, rate, idle, loaded in results:
        print("| {} | {:.1f} | {:.2f} | {:.2f} | {:.1f} | {:.2f} | {:.2f} |".format(
            count, rate, percentile(idle, 0.5), percentile(idle, 0.95), rate / 2.0,
            percentile(loaded, 0.5), percentile(loaded, 0.95)))
    if grown:
        (size0, rows0, live0), (size1, rows1, live1), (size2, rows2, live2) = grown
        print()
        print("Growth over {} tasks ({}): {:,} bytes per 1,000 tasks on disk; {:,} bytes "
              "before, {:,} after, {:,} after packing".format(
                  args.growth, args.storage, (size1 - size0) * 1000 // args.growth,
                  size0, size1, size2))
        if rows0 is not None:
            print("Objects: {:,} before, {:,} after, {:,} after packing; their bytes: "
                  "{:,} per 1,000 tasks; {:,} before, {:,} after, {:,} after packing".format(
                      rows0, rows1, rows2, (live1 - live0) * 1000 // args.growth,
                      live0, live1, live2))


if __name__ == "__main__":
    main()
