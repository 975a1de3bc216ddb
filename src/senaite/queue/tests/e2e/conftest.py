# -*- coding: utf-8 -*-
"""The cluster of the end-to-end tests: built once, stopped at the end whatever happens.

With ``SENAITE_QUEUE_E2E_KEEP=1`` in the environment its folder, logs included, is kept.
``SENAITE_QUEUE_E2E_STORAGE`` chooses its database: ``zeo`` (default) or ``postgresql``.
"""

import os
import shutil
import tempfile

import pytest
from senaite.queue.tests.e2e.cluster import Cluster


@pytest.fixture(scope="session")
def cluster():
    workdir = tempfile.mkdtemp(prefix="senaite-queue-e2e-")
    cluster = Cluster(workdir, consumers=2, clock_period=1,
                      storage=os.environ.get("SENAITE_QUEUE_E2E_STORAGE") or "zeo")
    try:
        cluster.build()
        cluster.start_all()
        cluster.kick_consumers()
        yield cluster
    finally:
        cluster.stop_all()
        if os.environ.get("SENAITE_QUEUE_E2E_KEEP"):
            print("Cluster folder kept: {}".format(workdir))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
