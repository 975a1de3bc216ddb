# -*- coding: utf-8 -*-
"""Property-based tests: random sequences of operations keep the queue
consistent (hypothesis stateful testing)."""
from __future__ import absolute_import

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import invariant
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test

from senaite.queue.core.errors import QueueError
from senaite.queue.core.storage import TaskQueue
from senaite.queue.core.task import Task
from senaite.queue.tests.unit.helpers import NOW
from senaite.queue.tests.unit.helpers import check_invariants
from senaite.queue.tests.unit.helpers import stored_uids
from senaite.queue.tests.unit.helpers import uid

OBJECTS = [uid(900000 + i) for i in range(5)] + ["0"]
NAMES = ["task_a", "task_b"]
PATHS = ["/senaite/worksheets/WS-1", "/senaite/worksheets/WS-2",
         "/senaite/clients", "/senaite/clients/client-1/W-1"]
CONSUMERS = ["c1", "c2", "c3", "c4", "c5"]
MAX_CONSUMERS = 3

index = st.integers(min_value=0, max_value=10 ** 6)


def state(queue):
    """Everything observable, to check that refusals change nothing."""
    return (sorted(t.to_dict()["task_uid"] + repr(sorted(t.to_dict().items()))
                   for t in queue.get_tasks(["queued", "running", "failed",
                                             "ghost"])),
            queue.counts())


class QueueMachine(RuleBasedStateMachine):
    """Drives a TaskQueue with random operations and checks it."""

    def __init__(self):
        super(QueueMachine, self).__init__()
        self.queue = TaskQueue()
        self.now = NOW
        self.live = set()      # uids that must be stored
        self.known = []        # every uid ever added (acks may be stale)
        self.attempts = {}     # stored uid -> highest attempt seen

    def pick(self, i, running=False):
        """A uid: of a running task, or of any task ever added (or None)."""
        pool = list(self.queue._running.keys()) if running else self.known
        return pool[i % len(pool)] if pool else None

    def forget(self, task_uid):
        """A removed task is gone; re-adding its uid starts a new task."""
        self.live.discard(task_uid)
        self.attempts.pop(task_uid, None)

    def refused(self, before, call):
        """Run call; if the queue refuses it, nothing may have changed."""
        try:
            return call()
        except QueueError:
            assert state(self.queue) == before
            return None

    @rule(name=st.sampled_from(NAMES), context=st.sampled_from(OBJECTS),
          uids=st.lists(st.sampled_from(OBJECTS), max_size=3),
          path=st.sampled_from(PATHS), priority=st.integers(0, 20),
          delay=st.sampled_from([0, 0, 5]), unique=st.booleans(),
          retries=st.integers(0, 2), max_seconds=st.sampled_from([5, 30]),
          ghost=st.booleans(), top=st.booleans())
    def add(self, name, context, uids, path, priority, delay, unique,
            retries, max_seconds, ghost, top):
        task = Task(name, context, path, uids=uids, priority=priority,
                    delay=delay, unique=unique, retries=retries,
                    max_seconds=max_seconds, ghost=ghost, created=self.now)
        added = self.queue.add(task, top_priority=["task_b"] if top else None)
        if added is not None:
            self.live.add(added.task_uid)
            self.known.append(added.task_uid)
        else:
            assert unique

    @rule(i=index)
    def add_duplicate(self, i):
        task_uid = self.pick(i)
        if task_uid is None:
            return
        added = self.queue.add(Task("task_a", "0", "/senaite",
                                    task_uid=task_uid, created=self.now))
        assert added is None or task_uid not in self.live
        if added is not None:
            self.live.add(task_uid)

    @rule(consumer=st.sampled_from(CONSUMERS), max_tasks=st.sampled_from([1, 1, 2, 5]))
    def pop(self, consumer, max_tasks):
        tasks = self.queue.lease(consumer, max_tasks, now=self.now,
                                 max_consumers=MAX_CONSUMERS)
        assert len(tasks) <= max_tasks
        assert len(set(task.task_uid for task in tasks)) == len(tasks)
        for task in tasks:
            assert task.task_uid in self.live
            assert task.status == "running" and task.consumer_id == consumer
            assert task.attempt > self.attempts.get(task.task_uid, 0)

    @rule(i=index, ack=st.sampled_from(["done", "fail", "timeout", "release"]),
          offset=st.sampled_from([0, 0, 1, -1]), running=st.booleans())
    def ack(self, i, ack, offset, running):
        task_uid = self.pick(i, running)
        if task_uid is None:
            return
        task = self.queue.get_task(task_uid)
        attempt = (task.attempt if task else 1) + offset
        if attempt < 1:
            attempt += 2
        before = state(self.queue)
        if ack == "fail":
            result = self.refused(before, lambda: self.queue.fail(
                task_uid, attempt, "boom", now=self.now))
        else:
            result = self.refused(before, lambda: getattr(self.queue, ack)(
                task_uid, attempt, now=self.now))
        if result is not None:
            assert task.status == "running" and attempt == task.attempt
            if ack == "done":
                self.forget(task_uid)

    @rule(i=index, retries=st.integers(0, 3))
    def requeue(self, i, retries):
        task_uid = self.pick(i)
        if task_uid is None:
            return
        before = state(self.queue)
        task = self.refused(before, lambda: self.queue.requeue(
            task_uid, retries))
        if task is not None:
            assert task.status == "queued" and task.retries == retries

    @rule(i=index)
    def delete(self, i):
        task_uid = self.pick(i)
        if task_uid is None:
            return
        before = state(self.queue)
        if self.refused(before, lambda: self.queue.delete(task_uid)):
            self.forget(task_uid)

    @rule(seconds=st.sampled_from([0.5, 3, 6, 40]))
    def tick(self, seconds):
        self.now += seconds

    @rule()
    def compact(self):
        self.queue.compact()

    @rule()
    def purge(self):
        for task in self.queue.purge(now=self.now):
            assert task.error_message == "Timeout"

    @invariant()
    def consistent(self):
        check_invariants(self.queue)

    @invariant()
    def no_task_lost(self):
        assert stored_uids(self.queue) == self.live

    @invariant()
    def attempts_only_grow(self):
        for task_uid in stored_uids(self.queue):
            record = self.queue._records[task_uid]
            attempt = record.data["attempt"]
            assert attempt >= self.attempts.get(task_uid, 0)
            self.attempts[task_uid] = attempt

    @invariant()
    def capacity(self):
        assert len(self.queue.working_consumers()) <= MAX_CONSUMERS


def test_random_operations_keep_the_queue_consistent():
    run_state_machine_as_test(QueueMachine, settings=settings(
        max_examples=100, stateful_step_count=40, deadline=None,
        database=None))
