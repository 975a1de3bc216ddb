# -*- coding: utf-8 -*-
"""Samples created in background on a real cluster, with a consumer killed mid-task.

Run alone with ``.venv/bin/python -m pytest src/senaite/queue/tests/e2e -k samples``.
"""

import requests
from senaite.queue.tests.e2e.lab import save_samples
from senaite.queue.tests.e2e.lab import senaite

USER = "e2e_labmanager"
PASSWORD = "e2e-secret-1"
COLUMNS = 6


def drained(status):
    return status["queued"] == 0 and status["running"] == 0


def test_sample_creation_survives_a_killed_consumer(cluster):
    senaite(cluster, "lab", username=USER, password=PASSWORD)
    form = senaite(cluster, "add_form")
    senaite(cluster, "settings", values={
        "server": cluster.site_url("queue_server"), "sample_create_threshold": 2,
        "max_seconds_unlock": 30})
    before = senaite(cluster, "created", batch="0" * 32)["samples"]
    # the scenarios before this one on the same cluster left failed tasks of their own
    failed_before = cluster.status()["failed"]
    session = requests.Session()
    session.auth = (USER, PASSWORD)
    seconds, answer = save_samples(session, form, COLUMNS)
    assert "will be created in background" in answer["success"], answer
    batch = answer["redirect_to"].split("batch=")[1].split("&")[0]

    # A consumer is killed while it holds the lease of a column: whether that column's
    # commit went through or not, each column is created once
    status = cluster.wait(lambda st: st["leases"], 60, step=0.1)
    consumer_id = list(status["leases"].values())[0]["consumer_id"]
    victim = [part for part in cluster.consumers
              if consumer_id.endswith(":{}".format(cluster.ports[part]))][0]
    cluster.kill(victim)
    try:
        status = cluster.wait(drained, 300)
        assert status["failed"] == failed_before
        created = senaite(cluster, "created", batch=batch)
        # every column once, one sample each
        assert sorted(created["columns"]) == [str(num) for num in range(1, COLUMNS + 1)]
        assert all(len(uids) == 1 for uids in created["columns"].values())
        assert created["samples"] - before == COLUMNS
        page = session.get(answer["redirect_to"], timeout=60).text
        assert page.count("status-created") == COLUMNS
    finally:
        cluster.start(victim)
        cluster.wait_http(victim)
