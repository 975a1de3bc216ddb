# -*- coding: utf-8 -*-
"""The cluster of the end-to-end tests: built once, stopped at the end whatever happens.

When a test failed, the cluster's logs are kept, in a folder the run names at its end.
``SENAITE_QUEUE_E2E_STORAGE`` chooses its database: ``zeo`` (default) or ``postgresql``.
"""

import os
import shutil
import sys
import tempfile

import pytest
from senaite.queue.tests.e2e.cluster import Cluster


@pytest.fixture(scope="session")
def cluster(request):
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
        if request.session.testsfailed:
            logs = tempfile.mkdtemp(prefix="senaite-queue-e2e-logs-")
            shutil.copytree(os.path.join(workdir, "var", "log"), os.path.join(logs, "log"))
            if cluster.storage == "postgresql":
                shutil.copy(os.path.join(cluster.pg_dir, "postgresql.log"), logs)
            # past pytest's capture: the run's last test may have passed
            sys.__stderr__.write("\nThe cluster's logs are kept in {}\n".format(logs))
        shutil.rmtree(workdir, ignore_errors=True)
