# -*- coding: utf-8 -*-
"""Benchmark on a real cluster: a lab receives 200 samples and creates 100 samples.

Builds a cluster like ``make test-e2e`` does (ZEO server, user client, queue server,
consumers, on free ports), creates the SENAITE data through a test-only view, then, as a
lab manager over HTTP:

- receives 200 samples due with the client's samples listing's "Receive" button (a form
  post to the client's ``workflow_action``, with the page's CSRF token);
- saves the Add Sample form with 100 columns (``ajax_ar_add/submit``, as the form's
  "Save" does).

Each is done with the queue (default settings) and without it (Queue Server empty). It
prints the time of the user's request and the time until the work is complete.
Run it with the project's Python 2.7: ``.venv/bin/python bench/samples.py
[--receive 200] [--create 100] [--consumers 2]``.
"""

from __future__ import print_function

import argparse
import os
import shutil
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from senaite.queue.tests.e2e.cluster import Cluster  # noqa: E402
from senaite.queue.tests.e2e.cluster import until  # noqa: E402
from senaite.queue.tests.e2e.lab import press  # noqa: E402
from senaite.queue.tests.e2e.lab import save_samples  # noqa: E402
from senaite.queue.tests.e2e.lab import senaite  # noqa: E402

USER = "bench_labmanager"
PASSWORD = "bench-secret-1"
SAMPLES_PER_CALL = 20


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receive", type=int, default=200)
    parser.add_argument("--create", type=int, default=100)
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--keep", action="store_true", help="keep the cluster's folder")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="senaite-queue-bench-samples-")
    cluster = Cluster(workdir, consumers=args.consumers, clock_period=1, testing=True)
    rows = []
    try:
        print("Building the cluster in {} ...".format(workdir))
        sys.stdout.flush()
        cluster.build()
        cluster.start_all()
        cluster.kick_consumers()
        senaite(cluster, "lab", username=USER, password=PASSWORD)
        session = requests.Session()
        session.auth = (USER, PASSWORD)
        server = cluster.site_url("queue_server")

        print("Receiving {} samples, creating {} ({} consumers):".format(
            args.receive, args.create, args.consumers))
        senaite(cluster, "settings", values={"server": server})
        rows.append(("receive {}".format(args.receive), "queue (default settings)",
                     run_receive(cluster, session, args.receive, "receive, queue", True,
                                 args.timeout)))
        rows.append(("create {}".format(args.create), "queue (default settings)",
                     run_create(cluster, session, args.create, "create, queue", True,
                                args.timeout)))
        senaite(cluster, "settings", values={"server": ""})
        rows.append(("receive {}".format(args.receive), "no queue",
                     run_receive(cluster, session, args.receive, "receive, no queue", False,
                                 args.timeout)))
        rows.append(("create {}".format(args.create), "no queue",
                     run_create(cluster, session, args.create, "create, no queue", False,
                                args.timeout)))
        session.close()
    finally:
        cluster.stop_all()
        if args.keep:
            print("Cluster folder kept: {}".format(workdir))
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print("| {:<12} | {:<24} | {:>11} | {:>16} | {:>12} |".format(
        "work", "run", "request (s)", "done by then", "complete (s)"))
    print("|{}|{}|{}|{}|{}|".format("-" * 14, "-" * 26, "-" * 13, "-" * 18, "-" * 14))
    for work, label, row in rows:
        print("| {:<12} | {:<24} | {:>11.2f} | {:>16} | {:>12.1f} |".format(
            work, label, row["request"], row["in_request"], row["complete"]))


if __name__ == "__main__":
    main()
