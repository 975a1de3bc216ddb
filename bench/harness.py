# -*- coding: utf-8 -*-
"""What the cluster benchmarks share: the package on ``sys.path``, the option every one
takes, and a cluster in a folder of its own, stopped at the end::

    from harness import cluster_for, parser  # first: it puts the package on sys.path

    args = parser(__doc__, consumers=2).parse_args()
    with cluster_for("worksheet", args.keep, start=True, consumers=args.consumers,
                     testing=True) as cluster:
        ...
"""

from __future__ import division
from __future__ import print_function

import argparse
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from senaite.queue.tests.e2e.cluster import Cluster  # noqa: E402


def parser(doc, consumers=None, timeout=None):
    """A command line parser described by ``doc`` (its first paragraph, the rest after the
    options), with ``--keep``;
    with ``--consumers`` and ``--timeout`` when their defaults are given."""
    summary, _, details = doc.partition("\n\n")
    parser = argparse.ArgumentParser(description=summary, epilog=details,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the cluster's folder")
    if consumers is not None:
        parser.add_argument("--consumers", type=int, default=consumers,
                            help="consumers of the cluster (default {})".format(consumers))
    if timeout is not None:
        parser.add_argument("--timeout", type=float, default=timeout,
                            help="seconds the queued work may take (default {:g})".format(
                                timeout))
    return parser


def median(values):
    """The median of ``values`` (the mean of the two middle ones when they are even)."""
    values = sorted(values)
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2.0


def print_medians(runs, groups):
    """A table of the medians of repeated runs, side by side: ``groups`` is a list of
    (work, mode, rows), each row with ``request`` and ``complete`` seconds; the first group
    of each work is the synchronous reference of its ``x sync`` (complete / complete)."""
    print("Medians of {} run(s); x sync: complete / the synchronous complete".format(runs))
    print("| {:<12} | {:<36} | {:>11} | {:>12} | {:>6} |".format(
        "work", "mode", "request (s)", "complete (s)", "x sync"))
    print("|{}|{}|{}|{}|{}|".format("-" * 14, "-" * 38, "-" * 13, "-" * 14, "-" * 8))
    references = {}
    for work, mode, rows in groups:
        request = median([row["request"] for row in rows])
        complete = median([row["complete"] for row in rows])
        reference = references.setdefault(work, complete)
        print("| {:<12} | {:<36} | {:>11.2f} | {:>12.1f} | {:>6.2f} |".format(
            work, mode, request, complete,
            complete / reference if reference else float("nan")))


def runs_option(parser, default=3):
    """``--runs``: how many times each measurement is repeated; its median is reported."""
    parser.add_argument("--runs", type=int, default=default,
                        help="runs of each measurement, the median reported "
                             "(default {})".format(default))
    return parser


@contextmanager
def cluster_for(name, keep=False, start=False, **options):
    """A cluster (``Cluster`` with ``options``, its clock ticking every second) built in a
    new folder, and with ``start`` every process of it started, its consumers working. At
    the end it is stopped and its folder removed, unless ``keep`` or the benchmark failed:
    then the folder, with the logs, is kept."""
    workdir = tempfile.mkdtemp(prefix="senaite-queue-bench-{}-".format(name))
    cluster = Cluster(workdir, clock_period=1, **options)
    print("Building the cluster in {} ...".format(workdir))
    sys.stdout.flush()
    failed = True
    try:
        cluster.build()
        if start:
            cluster.start_all()
            cluster.kick_consumers()
        yield cluster
        failed = False
    finally:
        cluster.stop_all()
        if keep or failed:
            print("Cluster folder kept: {}".format(workdir))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
