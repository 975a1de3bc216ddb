# -*- coding: utf-8 -*-
"""An add-on written for senaite.queue 1.x (tests/upstream_addon) runs unchanged on a real
cluster: its task, queued through ``api.add_task``, is processed a chunk per task, each
continuation queued by the add-on itself with ``api.add_copy``."""

import json

from senaite.queue.tests.e2e.test_cluster import drained
from senaite.queue.tests.e2e.test_cluster import obj_uid


def test_an_upstream_addon_runs_unchanged(cluster):
    uids = [obj_uid("adda", i) for i in range(25)]
    before = cluster.status()
    response = cluster.http.post(
        "{}/upstream-addon-label".format(cluster.site_url("client1")), auth=cluster.auth,
        data=json.dumps({"uids": uids, "label": "checked", "chunk_size": 4}),
        headers={"Content-Type": "application/json"}, timeout=60)
    response.raise_for_status()
    task_uid = response.json()
    assert task_uid, "the queue is not ready on client1"
    status = cluster.wait(drained, 300)
    assert status["failed"] == before["failed"]
    # one task per chunk of 4: the first and its six continuations
    assert status["done"] - before["done"] == 7
    response = cluster.http.get("{}/upstream-addon-labels".format(cluster.site_url("client1")),
                                auth=cluster.auth, timeout=30)
    response.raise_for_status()
    labels = response.json()
    assert sorted(labels) == sorted(uids)
    assert set(tuple(value) for value in labels.values()) == set([("checked", 1, 4)])
