# -*- coding: utf-8 -*-
"""Persistence: the queue survives closing and reopening its FileStorage."""
from __future__ import absolute_import

import random

import transaction
import ZODB
from ZODB.FileStorage import FileStorage

from senaite.queue.core.errors import QueueError
from senaite.queue.core.storage import TaskQueue
from senaite.queue.tests.unit.helpers import NOW
from senaite.queue.tests.unit.helpers import check_invariants
from senaite.queue.tests.unit.helpers import new_task
from senaite.queue.tests.unit.helpers import uid

STATUSES = ["queued", "running", "failed", "ghost"]


def snapshot(queue):
    return (dict((t.task_uid, t.to_dict()) for t in queue.get_tasks(STATUSES)),
            queue.counts(), queue.statistics(now=NOW)["consumers"])


def random_step(queue, rng, now, known):
    """One random operation; refusals are part of the game."""
    op = rng.choice(["add", "add", "pop", "pop", "done", "fail", "timeout",
                     "requeue", "delete"])
    try:
        if op == "add":
            task = queue.add(new_task(
                rng.choice(["task_a", "task_b"]), uids=[uid(), uid()],
                path="/senaite/worksheets/WS-{}".format(rng.randint(1, 3)),
                retries=rng.randint(0, 2), max_seconds=rng.choice([5, 60]),
                created=now, unique=rng.random() < 0.2))
            if task:
                known.append(task.task_uid)
        elif op == "pop":
            queue.pop("consumer-{}".format(rng.randint(1, 3)), now=now)
        elif known:
            task = queue.get_task(rng.choice(known))
            if task is None:
                return
            if op in ("done", "timeout"):
                getattr(queue, op)(task.task_uid, task.attempt or 1, now=now)
            elif op == "fail":
                queue.fail(task.task_uid, task.attempt or 1, "x", now=now)
            elif op == "requeue":
                queue.requeue(task.task_uid, 2)
            else:
                queue.delete(task.task_uid)
    except QueueError:
        pass


def test_every_task_is_where_it_was_after_reopening(tmp_path):
    path = str(tmp_path / "Data.fs")
    rng = random.Random(20240601)
    known = []
    now = NOW
    db = ZODB.DB(FileStorage(path))
    conn = db.open()
    conn.root()["queue"] = TaskQueue()
    transaction.commit()
    for round_ in range(4):
        queue = conn.root()["queue"]
        for _ in range(150):
            now += rng.choice([0.5, 2, 10, 70])
            random_step(queue, rng, now, known)
            transaction.commit()
        # an operation that never commits leaves no trace
        queue.add(new_task(created=now))
        queue.pop("consumer-9", now=now)
        transaction.abort()
        check_invariants(queue)
        before = snapshot(queue)
        secret = queue.get_secret()
        conn.close()
        db.close()
        db = ZODB.DB(FileStorage(path))
        conn = db.open()
        queue = conn.root()["queue"]
        assert isinstance(queue, TaskQueue)
        assert snapshot(queue) == before
        assert queue.get_secret() == secret
        check_invariants(queue)
    counts = queue.counts()
    assert counts["done"] > 0 and counts["running"] > 0
    assert counts["queued"] > 0 and counts["failed"] > 0
    conn.close()
    db.close()
