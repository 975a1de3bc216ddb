# -*- coding: utf-8 -*-
"""Helpers shared by the unit tests."""
from __future__ import absolute_import

import itertools

import transaction

from senaite.queue.core.task import Task

NOW = 1600000000.0
_counter = itertools.count(1)


def uid(n=None):
    """A deterministic object UID (32 lowercase hex) for tests."""
    return "{:032x}".format(next(_counter) if n is None else n)


def new_task(name="task_test", context_uid=None, path=None, **kw):
    """A task with test defaults: created at NOW, no delay."""
    context_uid = context_uid or uid()
    path = path or "/senaite/worksheets/WS-{}".format(context_uid[-6:])
    kw.setdefault("created", NOW)
    return Task(name, context_uid, path, **kw)


def open_connection(db):
    """A connection with its own explicit transaction manager."""
    return db.open(transaction.TransactionManager(explicit=True))


def check_invariants(queue):
    """Assert the queue's indexes and counters agree with its records."""
    all_records = dict(queue._records.items(min="", excludemin=True))
    records = dict((uid, record) for uid, record in all_records.items()
                   if record.data["status"] is not None)
    trash = set(uid for uid, record in all_records.items()
                if record.data["status"] is None)
    queued = [value[3] for value in queue._queued.values(
        (float("-inf"),), (1,), True, True)]
    running = list(queue._running.keys())
    failed = list(queue._failed.keys())
    # each task sits in exactly one status index, and every record in one
    assert sorted(queued + running + failed) == sorted(records)
    for task_uid, record in all_records.items():
        assert Task.from_dict(record.data).task_uid == task_uid
    for key, value in queue._queued.items((float("-inf"),), (1,), True,
                                          True):
        not_before, name, segment, task_uid, created = value
        data = records[task_uid].data
        assert data["status"] == "queued"
        assert key == records[task_uid].queued_key
        assert not_before == data["created"] + data["delay"]
        assert (name, created) == (data["name"], data["created"])
    # a (name, path segment) is leased to one consumer at most
    holders = {}
    for task_uid, lease in queue._running.items():
        data = records[task_uid].data
        assert data["status"] == "running"
        assert lease[0] == data["started"] + data["max_seconds"]
        assert lease[1:4] == (data["consumer_id"], data["attempt"],
                              data["name"])
        if lease[4]:
            holder = holders.setdefault((lease[3], lease[4]), lease[1])
            assert holder == lease[1]
    for task_uid in failed:
        assert records[task_uid].data["status"] == "failed"
    # removed tasks wait in the trash until compact()
    assert set(queue._trash.keys()) == trash
    # a receipt names an attempt the task had
    for record in records.values():
        assert record.receipt is None or record.receipt <= record.data["attempt"]
    # counters equal the index sizes
    assert queue._n_queued() == len(queued)
    assert queue._n_running() == len(running)
    assert queue._n_failed() == len(failed)
    assert queue._n_trash() == len(trash)
    # the object-UID index matches the records
    expected = set()
    for task_uid, record in all_records.items():
        for obj in [record.data["context_uid"]] + record.data["uids"]:
            expected.add((obj, task_uid))
    assert object_index(queue) == expected


def stored_uids(queue):
    """The uids of the stored tasks (removed ones left out)."""
    return set(uid for uid, record in queue._records.items(
        min="", excludemin=True) if record.data["status"] is not None)


def object_index(queue):
    """The (object uid, task uid) pairs of the object-UID index."""
    return set(queue._objects.keys(min=("", ""), excludemin=True))
