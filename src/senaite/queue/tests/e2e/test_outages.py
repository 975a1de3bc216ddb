# -*- coding: utf-8 -*-
"""Promises kept while parts of the cluster are down, and workers that live on clock ticks.

The scenarios run in order on the cluster of test_cluster.py, after its own; each waits until
the queue is drained.
"""

import os
import time

import requests
from senaite.queue.tests.e2e.cluster import until
from senaite.queue.tests.e2e.lab import authenticator
from senaite.queue.tests.e2e.lab import senaite
from senaite.queue.tests.e2e.test_cluster import assert_once
from senaite.queue.tests.e2e.test_cluster import drained
from senaite.queue.tests.e2e.test_cluster import obj_uid
from senaite.queue.tests.e2e.test_cluster import record_specs

# Longer than a worker's longest pause between two tries (10 s): every worker has given up
# and tried again more than once before the outage ends
OUTAGE_SECONDS = 25
LAB_MANAGER = ("outage_labmanager", "outage-secret-1")


def assign(worksheet_url, uids):
    """Select the analyses in the worksheet's "Add analyses" and press "Assign", as a lab
    manager does; the answer."""
    session = requests.Session()
    session.auth = LAB_MANAGER
    try:
        token = authenticator(session, "{}/add_analyses".format(worksheet_url))
        return session.post("{}/workflow_action".format(worksheet_url), allow_redirects=False,
                            timeout=120, data={"_authenticator": token, "submitted": "1",
                                               "form_id": "list",
                                               "workflow_action_id": "assign", "uids": uids})
    finally:
        session.close()


def part_of(cluster, consumer_id):
    """The consumer part whose clock-server calls itself ``consumer_id``."""
    return [part for part in cluster.consumers
            if consumer_id.endswith(":{}".format(cluster.ports[part]))][0]


def status_or_none(cluster):
    """The queue's statistics, or None while the user client cannot answer."""
    try:
        return cluster.status()
    except requests.RequestException:
        return None


def wait_until(start, seconds):
    """Sleep until ``seconds`` have passed since ``start``: the length of an outage."""
    time.sleep(max(0, start + seconds - time.time()))


def test_f_queue_server_down(cluster):
    """Users go on queueing work; everything waits locked, and drains when it is back."""
    senaite(cluster, "lab", username=LAB_MANAGER[0], password=LAB_MANAGER[1])
    analyses = senaite(cluster, "samples", count=1)["analyses"]
    worksheet = senaite(cluster, "worksheet")
    done_before = cluster.status()["done"]
    cluster.stop("queue_server")
    down = time.time()
    try:
        task_uids = cluster.add_tasks(record_specs("ffff", 20))
        uids = [obj_uid("ffff", i) for i in range(20)]
        # the objects are locked on every client; new work is still queued
        for part in ("client1", cluster.consumers[0]):
            state = cluster.state(uids, part)
            assert state["status"] == "ready", part
            assert state["ready"], part
            assert all(state["queued"].values()), part
        # a lab manager's bulk action: queued in the request, none of it done yet
        response = assign(worksheet["url"], analyses)
        assert response.status_code == 302, response.text[:500]
        info = senaite(cluster, "worksheet_info", uid=worksheet["uid"])
        assert info["queued"] and info["analyses"] == 0
        # managers are told since when the server has not answered
        assert "has not answered since" in cluster.page("")
        # the monitor shows the queue
        monitor = cluster.page("queue_tasks")
        assert "Queue Monitor" in monitor and "has not answered since" in monitor
        response = cluster.http.post("{}/queue_tasks/folderitems".format(
            cluster.site_url("client1")), auth=cluster.auth, timeout=60,
            json={"review_state": "active", "pagesize": 100})
        listed = [item["uid"] for item in response.json()["folderitems"]]
        assert set(task_uids) <= set(listed)
        assert cluster.status()["done"] == done_before
        wait_until(down, OUTAGE_SECONDS)
        assert cluster.status()["done"] == done_before
    finally:
        cluster.start("queue_server")
        cluster.wait_http("queue_server")
    # no manual step: the consumers' workers pop again
    cluster.wait(drained, 300)
    assert_once(cluster, "ffff", 20, task_uids)
    info = senaite(cluster, "worksheet_info", uid=worksheet["uid"])
    assert info["analyses"] == len(analyses) and not info["queued"]
    until(lambda: cluster.page(""), lambda page: "has not answered since" not in page, 30)


def test_g_worker_started_by_hand_stops(cluster):
    """A visit to queue_consume on the users' client starts a worker, which stops by itself
    when no other call comes."""
    text = cluster.kick("client1")
    assert text.startswith("Consumer started: ") and "not a clock tick" in text, text
    worker = cluster.worker("client1")
    assert worker["name"] and worker["idle_limit"] == 90
    # a worker that lives on is told to go on
    assert cluster.kick("client1").startswith("Consumer running: ")
    until(lambda: cluster.worker("client1"), lambda state: state["name"] is None,
          worker["idle_limit"] + 60, step=2)
    with open(os.path.join(cluster.workdir, "var", "log", "client1.log")) as log:
        assert "{} stopped: no tick for".format(worker["name"]) in log.read()
    # the consumers' own workers live on their clock ticks
    for part in cluster.consumers:
        assert cluster.worker(part)["name"], part


def test_h_task_past_its_time_limit(cluster):
    """The worker gives the task up after max_seconds and takes the next ones while the
    abandoned run goes on; the task runs again with 1.5 times the time, and only that run
    commits."""
    gate = cluster.gate("1a1a")
    slow, = cluster.add_tasks([{
        "name": "queue_test_gate", "uids": [obj_uid("1a1a", 0)], "gate": gate,
        "max_seconds": 3, "retries": 2, "min_seconds": 0}])
    cluster.wait_held(gate)
    consumer_id = cluster.status()["leases"][slow]["consumer_id"]
    # the other consumers stay out of it: what runs next runs on the consumer that holds the
    # abandoned run
    others = [part for part in cluster.consumers if part != part_of(cluster, consumer_id)]
    for part in others:
        cluster.freeze(part)
    try:
        quick = cluster.add_tasks(record_specs("1a1b", 10, min_seconds=1))
        task = until(lambda: [t for t in cluster.tasks("queued") if t["task_uid"] == slow],
                     lambda found: found, 60, step=0.2)[0]
        assert task["error_message"] == "Timeout"
        assert task["attempt"] == 1 and task["retries"] == 1
        assert task["max_seconds"] == 5
        cluster.wait(drained, 300)
    finally:
        for part in others:
            cluster.thaw(part)
    # the quick tasks and the second run are done by that consumer while the first run is
    # still held at its gate
    assert not os.path.exists(gate + ".passed")
    data = cluster.effects()
    assert_once(cluster, "1a1b", 10, quick)
    assert_once(cluster, "1a1a", 1, [slow])
    assert set(data["consumers"][uid] for uid in quick + [slow]) == set([consumer_id])
    # the abandoned run, let through now, loses its commit to what the queue did with the
    # task meanwhile (the fence); ZPublisher's retry finds the task gone
    cluster.open_gate(gate)
    until(lambda: cluster.log_text(part_of(cluster, consumer_id) + "-Z2"),
          lambda log: '/queue_consumer/process HTTP/1.1" 404' in log, 60)
    assert_once(cluster, "1a1a", 1, [slow])


def test_i_consumer_stopped_while_a_task_runs(cluster):
    """``bin/<consumer> stop`` ends the process within seconds; the task comes back as soon
    as the consumer is started again, and runs once."""
    for part in cluster.consumers:
        cluster.stop(part)
        cluster.start(part, daemon=True)
    for part in cluster.consumers:
        cluster.wait_http(part)
        assert "program running" in cluster.daemon_status(part)
        cluster.kick(part)
    failed_before = cluster.status()["failed"]
    # the first run is held until its consumer stops; the lease lasts 300 s
    gate = cluster.gate("1c1c")
    task_uid, = cluster.add_tasks([{
        "name": "queue_test_gate", "uids": [obj_uid("1c1c", 0)], "gate": gate,
        "max_seconds": 300, "min_seconds": 0}])
    cluster.wait_held(gate)
    consumer_id = cluster.status()["leases"][task_uid]["consumer_id"]
    victim = part_of(cluster, consumer_id)
    stopping = time.time()
    try:
        cluster.stop(victim)
        stop_seconds = time.time() - stopping
        assert "program running" not in cluster.daemon_status(victim)
        # nobody could report: the lease holds
        assert task_uid in cluster.status()["leases"]
    finally:
        cluster.start(victim, daemon=True)
        cluster.wait_http(victim)
    # its new worker's first look takes the lease back, long before the lease ends, and runs
    # the task again; the other consumers stay out of it meanwhile
    others = [part for part in cluster.consumers if part != victim]
    for part in others:
        cluster.freeze(part)
    try:
        cluster.kick(victim)
        status = cluster.wait(drained, 120)
    finally:
        for part in others:
            cluster.thaw(part)
    assert status["failed"] == failed_before
    assert_once(cluster, "1c1c", 1, [task_uid])
    assert cluster.effects()["consumers"][task_uid] == consumer_id
    print("bin/{} stop took {:.1f} s".format(victim, stop_seconds))


def test_j_zeo_down(cluster):
    """The queue server and the consumers resume by themselves."""
    done_before = cluster.status()["done"]
    task_uids = cluster.add_tasks(record_specs("1d1d", 30, min_seconds=1))
    cluster.wait(lambda st: st["done"] > done_before, 60, step=0.2)
    cluster.stop("zeoserver")
    down = time.time()
    try:
        wait_until(down, OUTAGE_SECONDS)
    finally:
        cluster.start("zeoserver")
        cluster.wait_port("zeoserver")
    until(lambda: status_or_none(cluster), lambda status: status and drained(status), 300)
    assert_once(cluster, "1d1d", 30, task_uids)
    # and new work flows as before
    more = cluster.add_tasks(record_specs("1d1e", 5, min_seconds=0))
    cluster.wait(drained, 120)
    assert_once(cluster, "1d1e", 5, more)
