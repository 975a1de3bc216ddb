# -*- coding: utf-8 -*-
"""Tasks flow end to end through a real cluster, and survive crashes of its processes.

The scenarios run in order on one cluster; each waits until the queue is drained.
"""

import json
import os
import time

from senaite.queue.tests.e2e.cluster import until


def obj_uid(prefix, i):
    """A made-up object UID: the test adapters only record it."""
    return "{}{:028x}".format(prefix, i)


def record_specs(prefix, count, **kw):
    specs = []
    for i in range(count):
        spec = {"name": "queue_test_record", "uids": [obj_uid(prefix, i)], "min_seconds": 0}
        spec.update(kw)
        specs.append(spec)
    return specs


def drained(status):
    return status["queued"] == 0 and status["running"] == 0


def assert_once(cluster, prefix, count, task_uids):
    data = cluster.effects()
    effects, runs = data["effects"], data["runs"]
    for i in range(count):
        assert effects.get(obj_uid(prefix, i)) == 1, obj_uid(prefix, i)
    for task_uid in task_uids:
        assert runs.get(task_uid) == 1, task_uid


def test_a_200_tasks_complete_once(cluster):
    before = cluster.status()["done"]
    # One consumer is held by a task at a gate while the other one starts on the 200, so
    # that both take part whatever the machine's speed
    gate = cluster.gate("aaaa")
    gated, = cluster.add_tasks([{
        "name": "queue_test_gate", "uids": [obj_uid("aaab", 0)], "gate": gate,
        "min_seconds": 0}])
    cluster.wait_held(gate)
    task_uids = cluster.add_tasks(record_specs("aaaa", 200))
    assert len(set(task_uids)) == 200
    cluster.wait(lambda st: st["done"] > before, 120, step=0.2)
    cluster.open_gate(gate)
    status = cluster.wait(drained, 300)
    assert status["done"] - before == 201
    assert status["failed"] == 0
    assert_once(cluster, "aaaa", 200, task_uids)
    assert_once(cluster, "aaab", 1, [gated])
    # both consumers committed runs
    consumers = cluster.effects()["consumers"]
    assert len(set(consumers[task_uid] for task_uid in task_uids + [gated])) == 2


def test_b_consumer_killed_in_the_middle_of_a_window(cluster):
    # one consumer leases the 11 tasks at once; its window runs 5, and is held at the
    # sixth until its consumer is killed: nothing of it committed, the other consumer
    # runs all 11 once
    gate = cluster.gate("bbbb")
    specs = record_specs("bbba", 5, max_seconds=10) + [{
        "name": "queue_test_gate", "uids": [obj_uid("bbbb", 0)], "gate": gate,
        "max_seconds": 10, "min_seconds": 0}] + record_specs("bbbc", 5, max_seconds=10)
    task_uids = cluster.add_tasks(specs)
    cluster.wait_held(gate)
    leases = cluster.status()["leases"]
    assert sorted(leases) == sorted(task_uids)
    consumer_id, = set(lease["consumer_id"] for lease in leases.values())
    victim = [part for part in cluster.consumers
              if consumer_id.endswith(":{}".format(cluster.ports[part]))][0]
    cluster.kill(victim)
    try:
        status = cluster.wait(drained, 120)
        assert status["failed"] == 0
        assert_once(cluster, "bbba", 5, task_uids[:5])
        assert_once(cluster, "bbbb", 1, [task_uids[5]])
        assert_once(cluster, "bbbc", 5, task_uids[6:])
    finally:
        cluster.start(victim)
        cluster.wait_http(victim)


def test_c_queue_server_killed_and_restarted(cluster):
    failed_before = cluster.status()["failed"]
    failing = cluster.add_tasks([{"name": "queue_test_raise", "retries": 0, "min_seconds": 0}])
    cluster.wait(lambda st: st["failed"] == failed_before + 1, 60)
    done_before = cluster.status()["done"]
    # 0.2 s each: a window of one second holds a few, so work is left when the server dies
    task_uids = cluster.add_tasks(record_specs("cccc", 40, min_seconds=1,
                                               name="queue_test_sleep", seconds=0.2))
    cluster.wait(lambda st: st["done"] > done_before, 60, step=0.2)
    cluster.kill("queue_server")
    status = cluster.status()
    assert status["queued"] + status["running"] > 0
    assert status["failed"] == failed_before + 1
    time.sleep(2)
    cluster.start("queue_server")
    cluster.wait_http("queue_server")
    status = cluster.wait(drained, 300)
    assert status["failed"] == failed_before + 1
    assert failing[0] in [task["task_uid"] for task in cluster.tasks("failed")]
    assert_once(cluster, "cccc", 40, task_uids)


def test_d_raising_task_retried_then_failed(cluster):
    uid = obj_uid("dddd", 0)
    task_uid, = cluster.add_tasks([{
        "name": "queue_test_write_raise", "uids": [uid], "retries": 2, "min_seconds": 0}])
    cluster.wait(lambda st: drained(st), 120)
    failed = dict((task["task_uid"], task) for task in cluster.tasks("failed"))
    task = failed[task_uid]
    assert task["retries"] == 0
    assert task["attempt"] == 3
    assert "Failure after writing" in task["error_message"]
    data = cluster.effects()
    assert uid not in data["effects"]
    assert task_uid not in data["runs"]


def test_e_zeo_server_restarted(cluster):
    done_before = cluster.status()["done"]
    task_uids = cluster.add_tasks(record_specs("eeee", 40, min_seconds=1,
                                               name="queue_test_sleep", seconds=0.2))
    cluster.wait(lambda st: st["done"] > done_before, 60, step=0.2)
    cluster.stop("zeoserver")
    time.sleep(3)
    cluster.start("zeoserver")
    cluster.wait_port("zeoserver")
    cluster.wait(drained, 300)
    assert_once(cluster, "eeee", 40, task_uids)


def test_f_bulk_work_completes_while_a_user_edits_one_of_its_objects(cluster):
    uids = [obj_uid("ffff", i) for i in range(12)]
    for uid in uids:
        cluster.touch(uid)
    hot, others = uids[0], uids[1:]
    failed_before = cluster.status()["failed"]
    # Each try of the task to write the first object waits at a gate, its transaction
    # begun; a user edits that object meanwhile, so the try loses a conflict, after
    # ZPublisher's retries too
    gate = cluster.gate("ffff")
    task_uid, = cluster.add_tasks([{
        "name": "queue_test_hot", "uids": uids, "chunk_size": 4, "min_seconds": 1,
        "hot": hot, "gate": gate}])
    tries = 0
    deadline = time.time() + 600
    while True:
        effects = cluster.effects()["effects"]
        if all(uid in effects for uid in others):
            break
        if os.path.exists("{}.held.{}".format(gate, tries)):
            cluster.touch(hot)
            open("{}.go.{}".format(gate, tries), "w").close()
            tries += 1
        else:
            time.sleep(0.1)
        assert time.time() < deadline, "the others were not done while the user edited"
    # The task lost its conflicts to the user: the busy object, moved to the end of its
    # task, is not written; its task waits for it (or holds it at the gate), its retries
    # intact, and the others are written once
    assert tries >= 4
    assert hot not in effects
    assert all(effects[uid] == 1 for uid in others)
    # (the run that wrote the last of the others reports done a moment after its commit)
    pending = until(
        lambda: [task for task in cluster.tasks() if task["name"] == "queue_test_hot"
                 and task["status"] in ("queued", "running")],
        lambda found: len(found) == 1, 60, step=0.2, message="One task left for the object")
    assert pending[0]["uids"] == [hot] and pending[0]["retries"] == 3, \
        json.dumps(pending, indent=1)
    assert cluster.status()["failed"] == failed_before
    assert any("lost a conflict" in cluster.log_text(part) for part in cluster.consumers)
    # Once the user stops, the busy object is done too, and everything exactly once
    for number in range(tries, tries + 20):
        open("{}.go.{}".format(gate, number), "w").close()
    status = cluster.wait(drained, 120)
    assert status["failed"] == failed_before
    effects = cluster.effects()["effects"]
    assert all(effects.get(uid) == 1 for uid in uids)
    assert cluster.touch(hot)["queue"] == 1
