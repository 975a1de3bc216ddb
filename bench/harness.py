# -*- coding: utf-8 -*-
"""What the cluster benchmarks share: the package on ``sys.path``, the option every one
takes, and a cluster in a folder of its own, stopped at the end::

    from harness import cluster_for, parser  # first: it puts the package on sys.path

    args = parser(__doc__, consumers=2).parse_args()
    with cluster_for("worksheet", args.keep, start=True, consumers=args.consumers,
                     testing=True) as cluster:
        ...
"""

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
    """A command line parser described by the first paragraph of ``doc``, with ``--keep``;
    with ``--consumers`` and ``--timeout`` when their defaults are given."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the cluster's folder")
    if consumers is not None:
        parser.add_argument("--consumers", type=int, default=consumers)
    if timeout is not None:
        parser.add_argument("--timeout", type=float, default=timeout,
                            help="seconds the queued work may take")
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
