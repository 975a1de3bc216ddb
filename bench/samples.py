# -*- coding: utf-8 -*-
"""Benchmark on a real cluster: a lab receives 200 samples and creates 100 samples.

Builds a cluster like ``make test-e2e`` does (ZEO server, user client, queue server,
consumers, on free ports), creates the SENAITE data through a test-only view, then, as a
lab manager over HTTP:

- receives 200 samples due with the client's samples listing's "Receive" button (a form
  post to the client's ``workflow_action``, with the page's CSRF token);
- saves the Add Sample form with 100 columns (``ajax_ar_add/submit``, as the form's
  "Save" does).

Each is done synchronously (Queue Server empty) and with the queue (default settings),
``--runs`` times (3 by default), the two taking turns since the load of a shared machine
drifts. It prints every run (the time of the user's request, and the time until the work is
complete), then the median of each side by side, with the ratio of the queue's time until
complete to the synchronous one (``x sync``). Run it with the project's Python 2.7:
``.venv/bin/python bench/samples.py [--receive 200] [--create 100] [--runs 3]
[--consumers 2]``.
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
from senaite.queue.tests.e2e.lab import press
from senaite.queue.tests.e2e.lab import save_samples
from senaite.queue.tests.e2e.lab import senaite

USER = "bench_labmanager"
PASSWORD = "bench-secret-1"
SAMPLES_PER_CALL = 20
SYNC = "synchronous (Queue Server empty)"
QUEUE = "queue (default settings)"


def new_samples(cluster, count):
    """``count`` new samples due: their UIDs."""
    uids = []
    while len(uids) < count:
        samples = senaite(cluster, "samples", count=SAMPLES_PER_CALL, receive=False)
        uids += [sample["uid"] for sample in samples["samples"]]
    return uids[:count]


def received(cluster, uids):
    """How many of the samples are received and no longer queued."""
    info = senaite(cluster, "analyses_info", uids=uids)
    return len([uid for uid in uids if info[uid]["state"] == "sample_received"
                and not info[uid]["queued"]])


def run_receive(cluster, session, count, label, queued, timeout):
    uids = new_samples(cluster, count)
    url = senaite(cluster, "add_form")["url"]
    start = time.time()
    request_seconds = press(session, url, "receive", uids)[0]
    done = received(cluster, uids)
    row = {"label": label, "request": request_seconds, "in_request": done}
    if queued:
        until(lambda: received(cluster, uids), lambda done: done >= count, timeout, step=1)
    row["complete"] = time.time() - start if queued else request_seconds
    return report(row)


def run_create(cluster, session, count, label, queued, timeout):
    form = senaite(cluster, "add_form")
    before = senaite(cluster, "created", batch="0" * 32)["samples"]
    start = time.time()
    request_seconds, answer = save_samples(session, form, count)
    if "errors" in answer:
        raise RuntimeError("The Add form answered: {}".format(answer))
    created = senaite(cluster, "created", batch="0" * 32)["samples"] - before
    row = {"label": label, "request": request_seconds, "in_request": created}
    if queued:
        until(lambda: senaite(cluster, "created", batch="0" * 32)["samples"] - before,
              lambda done: done >= count, timeout, step=1)
    row["complete"] = time.time() - start if queued else request_seconds
    return report(row)


def report(row):
    print("  {label}: request {request:.2f} s, complete {complete:.1f} s, {in_request} "
          "done by the end of the request".format(**row))
    sys.stdout.flush()
    return row


def main():
    options = runs_option(parser(__doc__, consumers=2, timeout=3600))
    options.add_argument("--receive", type=int, default=200,
                         help="samples received per run (default 200)")
    options.add_argument("--create", type=int, default=100,
                         help="columns of the Add Sample form saved per run (default 100)")
    args = options.parse_args()

    modes = ((False, SYNC), (True, QUEUE))
    rows = []
    with cluster_for("samples", args.keep, start=True, consumers=args.consumers,
                     testing=True) as cluster:
        senaite(cluster, "lab", username=USER, password=PASSWORD)
        session = requests.Session()
        session.auth = (USER, PASSWORD)
        server = cluster.site_url("queue_server")

        print("Receiving {} samples, creating {} ({} consumers), {} round(s):".format(
            args.receive, args.create, args.consumers, args.runs))
        # The modes take turns, round after round: the machine's load drifts
        for index in range(args.runs):
            for queued, label in modes:
                senaite(cluster, "settings", values={"server": server if queued else ""})
                if queued:
                    # Without a Queue Server the workers stopped: start them now, as the
                    # next clock tick would
                    cluster.kick_consumers()
                mode = "queue" if queued else "no queue"
                row = run_receive(cluster, session, args.receive, "receive, {}, run {}".format(
                    mode, index + 1), queued, args.timeout)
                rows.append(("receive {}".format(args.receive), label, row))
                row = run_create(cluster, session, args.create, "create, {}, run {}".format(
                    mode, index + 1), queued, args.timeout)
                rows.append(("create {}".format(args.create), label, row))
        session.close()

    print()
    print("Every run ({} consumer(s)):".format(args.consumers))
    print("| {:<12} | {:<36} | {:>11} | {:>16} | {:>12} |".format(
        "work", "run", "request (s)", "done by then", "complete (s)"))
    print("|{}|{}|{}|{}|{}|".format("-" * 14, "-" * 38, "-" * 13, "-" * 18, "-" * 14))
    for work, label, row in rows:
        print("| {:<12} | {:<36} | {:>11.2f} | {:>16} | {:>12.1f} |".format(
            work, row["label"], row["request"], row["in_request"], row["complete"]))
    print()
    works = []
    for work, _, _ in rows:
        if work not in works:
            works.append(work)
    print_medians(args.runs, [(work, label, [row for row_work, row_label, row in rows
                                             if (row_work, row_label) == (work, label)])
                              for work in works for _, label in modes])


if __name__ == "__main__":
    main()
