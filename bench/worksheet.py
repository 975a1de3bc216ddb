# -*- coding: utf-8 -*-
"""Benchmark on a real cluster: a lab assigns 200 analyses to one worksheet.

Builds a cluster like ``make test-e2e`` does (ZEO server, user client, queue server,
consumers, on free ports, site created by scripts/setup_site.py), creates the SENAITE data
through a test-only view (a client, 5 analysis services, received samples), then assigns
the analyses to a new worksheet the way a user does: the worksheet's "Add analyses" page,
all analyses selected, "Assign" (a form post to the worksheet's ``workflow_action``, with
the page's CSRF token), as a lab manager. It measures:

- synchronously (Queue Server empty): the time of the user's request, which does all the
  work;
- with the queue, at its default settings (and with ``--min-zero`` also with "Minimum
  seconds per task" 0): the time of the user's request, and the time until the consumers
  have assigned every analysis.

It does so ``--runs`` times (3 by default), the modes taking turns since the load of a
shared machine drifts, and prints every run, then the median of each mode side by side,
with the ratio of the queue's time until complete to the synchronous one (``x sync``).
Each run uses fresh analyses and a fresh worksheet. Run it with the project's Python 2.7:
``.venv/bin/python bench/worksheet.py [--analyses 200] [--runs 3] [--consumers 2]
[--min-zero] [--profile]``.
"""

from __future__ import print_function

import sys
import time

import requests
from harness import cluster_for  # first: it puts the package on sys.path
from harness import parser
from harness import print_medians
from harness import runs_option
from senaite.queue.tests.e2e.cluster import until
from senaite.queue.tests.e2e.lab import authenticator
from senaite.queue.tests.e2e.lab import senaite

USER = "bench_labmanager"
PASSWORD = "bench-secret-1"
SERVICES = 5
SAMPLES_PER_CALL = 10
SYNC = "synchronous (Queue Server empty)"
QUEUE = "queue, min. 3 s per task (default)"
QUEUE_ZERO = "queue, min. 0 s per task"


def new_analyses(cluster, count):
    """``count`` new unassigned analyses (received samples with one of each service)."""
    uids = []
    while len(uids) < count:
        uids += senaite(cluster, "samples", count=SAMPLES_PER_CALL)["analyses"]
    return uids[:count]


def press_assign(session, worksheet_url, uids):
    """Select the analyses in "Add analyses" and press "Assign": the seconds the
    request took."""
    token = authenticator(session, "{}/add_analyses".format(worksheet_url))
    start = time.time()
    response = session.post("{}/workflow_action".format(worksheet_url), allow_redirects=False,
                            timeout=3600, data={
                                "_authenticator": token,
                                "submitted": "1",
                                "form_id": "list",
                                "workflow_action_id": "assign",
                                "uids": uids,
                            })
    elapsed = time.time() - start
    if response.status_code not in (301, 302, 303):
        raise RuntimeError("Assign answered {}: {}".format(response.status_code,
                                                          response.text[:1000]))
    return elapsed


def run(cluster, session, count, label, queued, timeout, profile=False):
    uids = new_analyses(cluster, count)
    worksheet = senaite(cluster, "worksheet")
    parts = ["queue_server"] + cluster.consumers if queued else ["client1"]
    parts = parts if profile else []
    for part in parts:
        senaite(cluster, "profile", part=part, command="start", paths=["/workflow_action"])
    done_before = cluster.status()["done"]
    start = time.time()
    request_seconds = press_assign(session, worksheet["url"], uids)
    info = senaite(cluster, "worksheet_info", uid=worksheet["uid"])
    row = {"label": label, "request": request_seconds,
           "in_request": info["analyses"], "queued": info["queued"]}
    if queued:
        info = until(lambda: senaite(cluster, "worksheet_info", uid=worksheet["uid"]),
                     lambda info: info["analyses"] >= count and not info["queued"],
                     timeout, step=0.5)
        row["complete"] = time.time() - start
        row["tasks"] = cluster.status()["done"] - done_before
    else:
        row["complete"] = request_seconds
        row["tasks"] = 0
    row["assigned"] = info["analyses"]
    print("  {label}: request {request:.2f} s, complete {complete:.1f} s, {tasks} tasks, "
          "{assigned} analyses assigned".format(**row))
    for part in parts:
        print("== {}: {} ==".format(label, part))
        print(senaite(cluster, "profile", part=part, command="stop")["report"])
    sys.stdout.flush()
    return row


def main():
    options = runs_option(parser(__doc__, consumers=2, timeout=1800))
    options.add_argument("--analyses", type=int, default=200,
                         help="analyses assigned per run (default 200)")
    options.add_argument("--chunk-size", type=int, default=10,
                         help="the queue's \"Chunk size\" (default 10, the default)")
    options.add_argument("--min-zero", action="store_true",
                         help="also run the queue with \"Minimum seconds per task\" 0 in "
                              "each round")
    options.add_argument("--profile", action="store_true",
                         help="profile the queue's requests of each queued run and the "
                              "user's request of each synchronous one (test-only switch, "
                              "see senaite/queue/tests/profiling.py)")
    args = options.parse_args()

    modes = [(SYNC, False, None), (QUEUE, True, 3)]
    if args.min_zero:
        modes.append((QUEUE_ZERO, True, 0))
    rows = []
    with cluster_for("ws", args.keep, start=True, consumers=args.consumers,
                     testing=True) as cluster:
        senaite(cluster, "lab", services=SERVICES, username=USER, password=PASSWORD)
        session = requests.Session()
        session.auth = (USER, PASSWORD)
        server = cluster.site_url("queue_server")
        senaite(cluster, "settings", values={"default": args.chunk_size})

        print("Assigning {} analyses to a worksheet ({} consumers, chunk size {}), {} "
              "round(s):".format(args.analyses, args.consumers, args.chunk_size, args.runs))
        # The modes take turns, round after round: the machine's load drifts
        for index in range(args.runs):
            for label, queued, min_seconds in modes:
                if queued:
                    senaite(cluster, "settings", values={"server": server,
                                                         "min_seconds_task": min_seconds})
                    # Without a Queue Server the workers stopped: start them now, as the
                    # next clock tick would (ZServer's clock fires only every ~30 s when
                    # the process is idle)
                    cluster.kick_consumers()
                else:
                    senaite(cluster, "settings", values={"server": ""})
                row = run(cluster, session, args.analyses,
                          "{}, run {}".format(label, index + 1), queued, args.timeout,
                          args.profile)
                row["mode"] = label
                rows.append(row)
        session.close()

    print()
    print("Every run ({} consumer(s)):".format(args.consumers))
    print("| {:<42} | {:>11} | {:>16} | {:>16} | {:>5} |".format(
        "run", "request (s)", "assigned by then", "all assigned (s)", "tasks"))
    print("|{}|{}|{}|{}|{}|".format("-" * 44, "-" * 13, "-" * 18, "-" * 18, "-" * 7))
    for row in rows:
        print("| {label:<42} | {request:>11.2f} | {in_request:>16} | {complete:>16.1f} | "
              "{tasks:>5} |".format(**row))
    print()
    print_medians(args.runs, [("assign {}".format(args.analyses), label, [
        row for row in rows if row["mode"] == label]) for label, _, _ in modes])


if __name__ == "__main__":
    main()
