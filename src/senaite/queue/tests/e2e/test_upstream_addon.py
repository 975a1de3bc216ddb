# -*- coding: utf-8 -*-
"""An add-on written for senaite.queue 1.x (tests/upstream_addon) runs unchanged on a real
cluster: its task, queued through ``api.add_task``, is processed a chunk per task, each
continuation queued by the add-on itself with ``api.add_copy``; and the workflow action it
registers with 1.x's ZCML recipe (``WorkflowActionGenericQueueAdapter``, for the batches'
"Close") queues a bulk transition that the consumers do."""

import json

import requests
from senaite.queue.tests.e2e.cluster import until
from senaite.queue.tests.e2e.lab import press
from senaite.queue.tests.e2e.lab import senaite
from senaite.queue.tests.e2e.test_cluster import drained
from senaite.queue.tests.e2e.test_cluster import obj_uid

USER = "e2e_labmanager"
PASSWORD = "e2e-secret-1"
BATCHES = 12


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
    # each object labelled once, by the task's own user, read from its request
    assert set(tuple(value) for value in labels.values()) == set([
        ("checked", 1, 4, cluster.auth[0])])


def test_an_upstream_addons_workflow_action(cluster):
    """A lab manager presses "Close" for 12 batches in the batches listing: the request
    queues them as one task, and answers before any of them is closed; the consumers close
    each once, as that lab manager."""
    senaite(cluster, "lab", username=USER, password=PASSWORD)
    batches = senaite(cluster, "batches", count=BATCHES)
    cluster.wait(drained, 300)
    before = cluster.status()
    session = requests.Session()
    session.auth = (USER, PASSWORD)
    # the consumers stay out of it until the request has answered
    for part in cluster.consumers:
        cluster.freeze(part)
    try:
        press(session, batches["url"], "close", batches["uids"])
        state = senaite(cluster, "batches_state", uids=batches["uids"])
        assert state["states"] == {"open": BATCHES}
        status = cluster.status()
        assert status["queued"] - before["queued"] == 1
    finally:
        for part in cluster.consumers:
            cluster.thaw(part)
    cluster.kick_consumers()
    status = cluster.wait(drained, 300)
    assert status["failed"] == before["failed"]
    state = until(lambda: senaite(cluster, "batches_state", uids=batches["uids"]),
                  lambda found: found["states"] == {"closed": BATCHES}, 60)
    assert state["closes"] == 1
    assert state["closed_by"] == {USER: BATCHES}
