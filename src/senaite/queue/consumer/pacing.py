# -*- coding: utf-8 -*-
"""The pace of a consumer: how long a task holds its transaction, whether it fills that
time with its own rest, and how long the consumer waits before its next task.

The rule, for one run of a task (``Pace``):

- the task holds its transaction for at least its ``min_seconds``, so that users' requests
  win conflicts with it;
- while that time lasts, it goes on with its own rest instead, when its adapter can
  (``TaskAdapter.goes_on``) and the setting allows it (``GoingOn``); no rest starts after
  half of ``max_seconds``;
- a task that has just lost a conflict (back after one, its rest until its
  ``contended_until``, or a request ZPublisher runs again) is contended: it neither goes on
  nor holds, it commits at once, and its consumer waits the rest of the minimum seconds, and
  at least ``CONTENDED_PAUSE``, so that users' retried requests get a moment without the
  queue's commits;
- otherwise the consumer takes its next task at once.

The ``process`` route answers the wait; the worker waits exactly that long.
"""

import time
from contextlib import contextmanager

from senaite.queue import protocol
from senaite.queue import settings

# The least a consumer waits after it committed a task that just lost a conflict (seconds)
CONTENDED_PAUSE = 1.0


class GoingOn(object):
    """The consumer's offer to process a task's rest in the same transaction, while the
    task's minimum seconds last (and never past ``until``)."""

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


class Pace(object):
    """The wait rule for one run of ``task`` by ``adapter`` in ``request``, from now."""

    def __init__(self, task, adapter, request):
        self.task = task
        self.request = request
        self.started = time.time()
        self.contended = is_contended(task, request, self.started)
        self.going_on = None
        if not self.contended and may_go_on(task, adapter):
            self.going_on = GoingOn(self.started + min(task.min_seconds,
                                                       task.max_seconds / 2.0))

    @contextmanager
    def offering(self):
        """Offer the task's adapter to go on with its rest (``queue_rest`` asks the
        request), while the block runs."""
        self.request.set(protocol.GOING_ON_KEY, self.going_on)
        try:
            yield
        finally:
            self.request.set(protocol.GOING_ON_KEY, None)

    def next_rest(self):
        """The rest the adapter handed back to go on with, or None."""
        return self.going_on.take() if self.going_on else None

    def elapsed(self):
        return time.time() - self.started

    def hold(self):
        """Hold the transaction open for the rest of the minimum seconds, unless
        contended."""
        remaining = self.task.min_seconds - self.elapsed()
        if remaining > 0 and not self.contended:
            time.sleep(remaining)

    def wait(self):
        """The seconds the consumer waits after the commit, before its next task."""
        if not self.contended:
            return 0.0
        return max(CONTENDED_PAUSE, self.task.min_seconds - self.elapsed())
