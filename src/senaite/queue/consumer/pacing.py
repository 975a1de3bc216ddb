# -*- coding: utf-8 -*-
"""The pace of a consumer: how many tasks it leases at once, which of them its window runs,
how long the window holds its transaction, and how long the consumer waits after it.

A consumer leases a window of up to ``window_size()`` tasks (the "Tasks per window"
setting) and runs them one after the other in one transaction, which commits once. The
rule, for one window (``Window``):

- the window lasts its first task's ``min_seconds``: a further task starts only while the
  window is younger than that, younger than half of the task's own ``max_seconds``, and has
  run fewer than ``MAX_OBJECTS`` objects. With ``min_seconds`` 0 only the bounds of tasks
  and objects end it. The first task always runs;
- while the window lasts, a task goes on with its own rest instead of queueing it, when its
  adapter can (``TaskAdapter.goes_on``) and the setting allows it (``GoingOn``);
- a task that has just lost a conflict (back after one, its rest until its
  ``contended_until``, or a request ZPublisher runs again) is contended: it runs alone,
  neither goes on nor holds, its window commits at once, and the consumer waits
  ``CONTENDED_PAUSE``, so that users' retried requests get a moment without the queue's
  commits. A contended task never joins a window: the window ends before it;
- a window of one task by the setting (0 or 1, as senaite.queue 1.x) holds its transaction
  for the rest of the minimum seconds, and after a contended task its consumer waits the
  rest of them, and at least ``CONTENDED_PAUSE``; a larger window never waits for work;
- otherwise the consumer leases its next window at once.

Tasks a window did not start are released to the queue, in their place. The ``process``
route answers the wait; the worker waits exactly that long.
"""

import time
from contextlib import contextmanager

from senaite.queue import protocol
from senaite.queue import settings

# The least a consumer waits after it committed a task that just lost a conflict (seconds)
CONTENDED_PAUSE = 1.0
# No task starts in a window that has run this many objects already
MAX_OBJECTS = 1000


def window_size():
    """How many tasks a consumer leases at once."""
    return max(1, settings.get_window_tasks())


def holds():
    """Whether a window holds its transaction for the rest of its minimum seconds: only
    windows of one task by the setting do, as senaite.queue 1.x's tasks did."""
    return settings.get_window_tasks() <= 1


class GoingOn(object):
    """The consumer's offer to process a task's rest in the same transaction, while the
    window lasts (and never past ``until``)."""

    def __init__(self, until):
        self.until = until
        self.rest = None

    def keep(self, rest):
        """Keep ``rest`` to process next, if there is time left; whether it was kept."""
        if self.rest is not None or time.time() >= self.until:
            return False
        self.rest = rest
        return True

    def take(self):
        """The rest kept, once; or None."""
        rest, self.rest = self.rest, None
        return rest


def may_go_on(task, adapter):
    """Whether the task may go on with its rest in the same transaction."""
    return (task.min_seconds > 0
            and getattr(adapter, "goes_on", False) and settings.get_fill_min_seconds())


def is_contended(task, request, now):
    """Whether the task has just lost a conflict."""
    return bool(task.conflicts or getattr(request, "retry_count", 0)
                or (task.contended_until or 0) > now)


def chunk_objects(task):
    """How many objects one run of the task's adapter works on, at most."""
    uids = task.uids or []
    return max(1, min(len(uids), task.chunk_size or len(uids)))


class Window(object):
    """The pace of one window: the leased ``tasks``, run in ``request`` from now."""

    def __init__(self, tasks, request):
        self.tasks = tasks
        self.request = request
        self.started = time.time()
        first = tasks[0]
        self.seconds = first.min_seconds
        self.contended = is_contended(first, request, self.started)
        self.holds = holds()
        self.ran = 0
        self.objects = 0
        self.ended = False

    def elapsed(self):
        return time.time() - self.started

    def may_start(self, task):
        """Whether the window starts ``task`` next; once not, it starts no other (the
        tasks keep their order)."""
        if self.ran and not self.ended:
            self.ended = self.ends_before(task)
        return not self.ended

    def ends_before(self, task):
        elapsed = self.elapsed()
        if self.contended or is_contended(task, self.request, self.started + elapsed):
            return True
        if 0 < self.seconds <= elapsed or elapsed >= task.max_seconds / 2.0:
            return True
        return self.objects >= MAX_OBJECTS

    @contextmanager
    def running(self, task, adapter):
        """Run ``task`` by ``adapter`` in the block; the block gets the ``GoingOn`` offered to
        its adapter (``queue_rest`` asks the request for it), or None."""
        self.ran += 1
        going_on = None
        if not self.contended and may_go_on(task, adapter):
            going_on = GoingOn(self.started + min(self.seconds, task.max_seconds / 2.0))
        self.request.set(protocol.GOING_ON_KEY, going_on)
        try:
            yield going_on
        finally:
            self.request.set(protocol.GOING_ON_KEY, None)

    def count(self, task):
        """One run of the task's adapter is done: count its objects."""
        self.objects += chunk_objects(task)

    def hold(self):
        """Hold the transaction open for the rest of the minimum seconds, when the window
        holds and is not contended."""
        remaining = self.seconds - self.elapsed()
        if remaining > 0 and self.holds and not self.contended:
            time.sleep(remaining)

    def wait(self):
        """The seconds the consumer waits after the commit, before its next window."""
        if not self.contended:
            return 0.0
        if self.holds:
            return max(CONTENDED_PAUSE, self.seconds - self.elapsed())
        return CONTENDED_PAUSE
