# -*- coding: utf-8 -*-
"""The persistent task queue: records, indexes, counters and transitions.

``TaskQueue`` is a plain ``persistent.Persistent`` object (no Zope imports), so
the Plone side can register it as a local utility of the site. Every task is
one ``TaskRecord`` (its own persistent object) in an OOBTree keyed by task
uid; the indexes are BTrees updated by every transition and never rebuilt on
read; the counters are ``BTrees.Length`` objects, which resolve concurrent
changes by adding them up.

Transitions never write attributes of the queue object itself, only the
BTrees and counters it holds, laid out so that a transaction that adds tasks
and one that pops or acks them touch different objects, or change one BTree
bucket in ways ZODB merges (see the comment above ``_HEAD_QUEUED`` and
docs/performance.rst). Every transition of a task writes that task's record,
which merges with nothing: of two transactions that change one task, the
second to commit conflicts. The work of a consumer relies on it (``receipt``).

Every method that depends on the time takes ``now`` (epoch seconds; default
``time.time()``) so callers and tests control the clock.
"""
from __future__ import absolute_import

import random
import time

import six
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from persistent import Persistent

from senaite.queue.core import metrics
from senaite.queue.core.errors import InvalidArgumentError
from senaite.queue.core.errors import StaleAckError
from senaite.queue.core.errors import TaskNotFoundError
from senaite.queue.core.errors import TaskStatusError
from senaite.queue.core.task import DEFAULT_RETRIES
from senaite.queue.core.task import FAILED
from senaite.queue.core.task import GHOST
from senaite.queue.core.task import QUEUED
from senaite.queue.core.task import RUNNING
from senaite.queue.core.task import STATUSES
from senaite.queue.core.task import Task
from senaite.queue.core.task import is_uid
from senaite.queue.core.task import path_segment
from senaite.queue.core.token import generate_key

DEFAULT_STATUSES = (QUEUED, RUNNING)
DEFAULT_MAX_CONSUMERS = 4
PRIORITY_SECONDS = 300
RETRY_DELAY = 5
TIMEOUT_MESSAGE = "Timeout"
PURGED_MESSAGE = "Purged on pop ({})"
STATS_MINUTES = 60
# Conflicts: the longest delay after a lost conflict, and how long a task may keep losing
# conflicts before it fails for good (the Plone side passes its setting)
MAX_CONFLICT_DELAY = 30
# How long after its conflict delay a task, and its rest, commit each chunk at once
CONTENDED_SECONDS = 30
CONFLICT_DEADLINE = 600
CONFLICT_MESSAGE = "Lost {} conflict(s) in a row, the last one: {}"
GAVE_UP_MESSAGE = "Gave up after {} conflicts in {} s; the last one: {}"
# Layout of the indexes that user transactions (add) and the queue server
# (pop, done) both write, so that ZODB merges their changes. A BTree cannot
# merge two changes of one bucket when one side deleted the bucket's first
# key or emptied it; and deleting the first key of any but the first bucket,
# emptying a bucket or splitting one rewrites the parent node, which
# conflicts with every concurrent writer of the tree. So:
# * the queued index sorts in *reverse* pop order: new tasks land near its
#   start, pops take from its end, and two sentinels that are never removed
#   stay its smallest and greatest keys;
# * done and delete do not remove a task from the records and object
#   indexes (random keys, where a removal often hits a bucket's first key);
#   they only mark it removed and list it in ``_trash``, and pop removes
#   the trash in batches of ``COMPACT_AT`` (``compact``);
# * the records and object indexes keep a sentinel as their smallest key, so
#   a small tree (one bucket) never loses its first key nor empties.
_HEAD_QUEUED = (float("-inf"),)
_TAIL_QUEUED = (1,)
_HEAD_RECORD = ""
_HEAD_OBJECT = ("", "")
_UID_SPACE = 16 ** 32
COMPACT_AT = 100
# Upper bound of the task uids of one object in the (object uid, task uid)
# index: task uids are lowercase hex, and "g" sorts after every hex digit.
_UID_MAX = "g"


def _now(now):
    if now is None:
        return time.time()
    if isinstance(now, bool) or not isinstance(
            now, six.integer_types + (float,)):
        raise InvalidArgumentError("now must be epoch seconds, got {!r}"
                                   .format(now))
    return float(now)


def _check_uid(value, what="task_uid", allow_portal=False):
    if not is_uid(value, allow_portal=allow_portal):
        raise InvalidArgumentError("Invalid {}: {!r}".format(what, value))
    return value


def _check_int(value, what, minimum):
    if isinstance(value, bool) or not isinstance(value, six.integer_types) \
            or value < minimum:
        raise InvalidArgumentError("{} must be an integer >= {}, got {!r}"
                                   .format(what, minimum, value))
    return value


def priority_rank(task, top_priority):
    """Position of the task's name, else of its action, in top_priority;
    ``len(top_priority)`` when neither is listed."""
    names = list(top_priority or ())
    for key in (task.name, task.action):
        if key and key in names:
            return names.index(key)
    return len(names)


def conflict_delay(conflicts):
    """Seconds a task waits after its ``conflicts``-th conflict in a row: a
    random whole number between half of and all of ``2 ** conflicts``, at
    most ``MAX_CONFLICT_DELAY`` (1-2 s, 2-4 s, 4-8 s, ... 15-30 s)."""
    ceiling = min(MAX_CONFLICT_DELAY, 2 ** min(conflicts, 16))
    return random.randint((ceiling + 1) // 2, ceiling)


def _inverted(uid):
    """A 32-hex string that sorts in the reverse order of the UIDs."""
    return "{:032x}".format(_UID_SPACE - 1 - int(uid, 16))


def _below(key):
    """The greatest possible queued-index key that sorts before ``key``."""
    if key == _TAIL_QUEUED:
        return (0, float("inf"))
    number = int(key[3], 16)
    if number:
        return key[:3] + ("{:032x}".format(number - 1),)
    return key[:3]


def _object_uids(data):
    """The UIDs of the objects a task works on: context and uids."""
    return set([data["context_uid"]] + list(data["uids"]))


class TaskRecord(Persistent):
    """One stored task: its field dict (as ``Task.to_dict``), its rank, and
    the attempt whose work was committed (``TaskQueue.receipt``), if any.

    The dict is replaced, never changed in place, so each change of a task
    stores this small object only.
    """

    receipt = None

    def __init__(self, data, rank):
        self.data = data
        self.rank = rank

    def update(self, **changes):
        data = dict(self.data)
        data.update(changes)
        self.data = data

    def task(self):
        """A detached copy of the stored task."""
        return Task.from_dict(self.data)

    @property
    def queued_key(self):
        """The key in the queued index: pop order, reversed."""
        data = self.data
        return (-self.rank,
                -(data["created"] + PRIORITY_SECONDS * data["priority"]),
                _inverted(data["context_uid"]), _inverted(data["task_uid"]))


class TaskQueue(Persistent):
    """The queue of tasks, stored in the ZODB.

    Indexes (all BTrees):

    * ``_records``: task uid -> ``TaskRecord``
    * ``_queued``: pop order ``(rank, created + 300*priority, context_uid,
      task_uid)``, stored reversed (see ``TaskRecord.queued_key``) ->
      ``(created + delay, name, path segment, task_uid, created)``: what
      pop needs to skip a task without loading its record
    * ``_running``: task uid -> lease ``(expires, consumer_id, attempt,
      name, segment)``
    * ``_failed``: task uids of the failed pool
    * ``_objects``: ``(object uid, task uid)`` for the context and every
      uid of each task, so "tasks of an object" is a range lookup
    * ``_consumers``: consumer id -> last pop time
    * ``_done_minutes``: minute (epoch // 60) -> tasks done, last hour only
    * ``_trash``: uids of removed tasks whose records and object-index
      entries are still there (status None), until ``compact``
    * ``_metrics``: outcomes and durations by task name (``core.metrics``);
      None in a queue stored before it existed, until ``ensure_metrics``

    ``_records``, ``_queued`` and ``_objects`` also hold sentinels (see
    ``_HEAD_QUEUED``).
    """

    _metrics = None

    def __init__(self):
        self._records = OOBTree()
        self._queued = OOBTree()
        self._running = OOBTree()
        self._failed = OOTreeSet()
        self._objects = OOTreeSet()
        self._consumers = OOBTree()
        self._done_minutes = OOBTree()
        self._trash = OOTreeSet()
        self._n_queued = Length()
        self._n_running = Length()
        self._n_failed = Length()
        self._n_done = Length()
        self._n_trash = Length()
        self._records[_HEAD_RECORD] = None
        self._queued[_HEAD_QUEUED] = None
        self._queued[_TAIL_QUEUED] = None
        self._objects.add(_HEAD_OBJECT)
        self._secret = generate_key()
        self._metrics = metrics.TaskMetrics()

    def ensure_metrics(self):
        """Give a queue stored before ``_metrics`` existed its metrics; whether it
        had none."""
        if self._metrics is not None:
            return False
        self._metrics = metrics.TaskMetrics()
        return True

    # -- secret -----------------------------------------------------------

    def get_secret(self):
        """The Fernet key shared by the processes of the cluster."""
        return self._secret

    def rotate_secret(self):
        """Replace the shared key with a new random one."""
        self._secret = generate_key()

    # -- transitions ------------------------------------------------------

    def add(self, task, top_priority=None):
        """Store a task as queued; return a copy of it, or None if ignored.

        A task whose uid is stored already is ignored, and so is a ``unique``
        task when a queued task with the same name and context exists
        (running and failed ones do not count). ``top_priority`` is the list
        of task names/actions that go first, in that order.
        """
        if isinstance(task, dict):
            task = Task.from_dict(task)
        elif isinstance(task, Task):
            task = Task.from_dict(task.to_dict())
        else:
            raise InvalidArgumentError("Not a task: {!r}".format(task))
        if not isinstance(top_priority, (list, tuple, type(None))):
            raise InvalidArgumentError("top_priority must be a list, got {!r}"
                                       .format(top_priority))
        uid = task.task_uid
        stored = self._records.get(uid)
        if stored is not None and stored.data["status"] is not None:
            return None
        if task.unique and self._has_queued(task.name, task.context_uid):
            return None
        if stored is not None:
            self._drop(stored)
        task.status = QUEUED
        record = TaskRecord(task.to_dict(), priority_rank(task, top_priority))
        self._records[uid] = record
        self._index_queued(record)
        for obj_uid in _object_uids(record.data):
            self._objects.add((obj_uid, uid))
        return record.task()

    def pop(self, consumer_id, now=None, max_consumers=DEFAULT_MAX_CONSUMERS):
        """Hand the next eligible queued task to a consumer, or return None:
        ``lease`` of one task."""
        tasks = self.lease(consumer_id, 1, now=now, max_consumers=max_consumers)
        return tasks[0] if tasks else None

    def lease(self, consumer_id, max_tasks, now=None,
              max_consumers=DEFAULT_MAX_CONSUMERS):
        """Hand up to ``max_tasks`` eligible queued tasks to a consumer, in
        pop order: the window of tasks it runs in one transaction.

        First, expired leases are timed out, and any task this consumer
        still holds is failed with "Purged on pop (<consumer_id>)", or done
        when its work was committed (``receipt``): a consumer leases only when
        it has nothing in flight, so what it still holds is dead (its late
        ack is refused as stale). Then, unless ``max_consumers`` other
        consumers hold leases, the first queued tasks in order whose delay
        has passed and whose (name, path segment) no other consumer's task
        has get leased: status running, ``attempt`` + 1, ``started`` and
        ``consumer_id`` set. Tasks of one (name, path segment) may share a
        window: it runs them one after the other. Returns copies including
        ``attempt``; an empty list when none is eligible.
        """
        if not isinstance(consumer_id, six.string_types) or \
                not consumer_id.strip():
            raise InvalidArgumentError("Invalid consumer id: {!r}"
                                       .format(consumer_id))
        _check_int(max_consumers, "max_consumers", 1)
        _check_int(max_tasks, "max_tasks", 1)
        now = _now(now)
        self._consumers[consumer_id] = now
        if self._n_trash() >= COMPACT_AT:
            self.compact()
        self.purge(now)
        for uid, lease in list(self._running.items()):
            if lease[1] == consumer_id:
                self._give_up(self._records[uid], PURGED_MESSAGE.format(
                    consumer_id), now)
        if len(self.working_consumers()) >= max_consumers:
            return []
        blocked = set((lease[3], lease[4]) for lease in self._running.values()
                      if lease[4])
        chosen = []
        for not_before, name, segment, uid, _ in self._queued_in_order():
            if not_before > now or (name, segment) in blocked:
                continue
            chosen.append(uid)
            if len(chosen) >= max_tasks:
                break
        return [self._start(self._records[uid], consumer_id, now)
                for uid in chosen]

    def working_consumers(self):
        """The consumers that hold leases."""
        return set(lease[1] for lease in self._running.values())

    def receipt(self, task_uid, attempt):
        """Fence the work of the lease ``attempt``: call it in the transaction
        that does the task's work, and that work commits only if the lease is
        still the current one when it commits.

        It writes the receipt into the task's own record, which every other
        transition of the task (a purge or timeout of the lease, a re-lease,
        a done, fail or conflict) writes too: of the two transactions, the
        second to commit gets a ConflictError, whatever the clocks say. So
        either the work commits with its receipt, and a fail, timeout or purge
        of that lease reported afterwards (the consumer could not tell whether
        its commit went through, or its report got lost) finds the receipt
        and counts the task done; or the other transition commits first, and
        the work does not commit at all. No other task's record is written:
        the receipt conflicts with nothing else. Refusals as ``done``.
        """
        self._leased(task_uid, attempt).receipt = attempt

    def done(self, task_uid, attempt, now=None):
        """Finish the lease ``attempt`` of a running task: remove the task.

        Returns the removed task (status None, ``finished`` set). Raises
        ``StaleAckError`` if ``attempt`` is not the current one and
        ``TaskStatusError`` if the task is not running; nothing changes then.
        """
        return self._done(self._leased(task_uid, attempt), _now(now))

    def _done(self, record, now):
        self._lease_ended(record, now)
        self._count(metrics.DONE, record)
        self._remove(record, finished=now)
        self._n_done.change(1)
        minute = int(now // 60)
        self._done_minutes[minute] = self._done_minutes.get(minute, 0) + 1
        for old in list(self._done_minutes.keys(
                max=minute - STATS_MINUTES, excludemax=True)):
            del self._done_minutes[old]
        return record.task()

    def fail(self, task_uid, attempt, error_message=None, now=None):
        """Report the lease ``attempt`` of a running task as failed.

        With retries left the task is queued again: ``retries`` - 1,
        ``created`` = now, ``chunk_size`` halved (rounding up), ``delay`` 5 s
        and the error message kept. Without, it goes to the failed pool.
        Returns the task in its new state; refusals as ``done``.
        """
        if error_message is not None and not isinstance(
                error_message, six.string_types + (six.binary_type,)):
            raise InvalidArgumentError("error_message must be a string, got "
                                       "{!r}".format(error_message))
        now = _now(now)
        record = self._leased(task_uid, attempt)
        if self._committed(record):
            return self._done(record, now)
        return self._fail(record, error_message and six.ensure_str(
            error_message), now)

    def conflict(self, task_uid, attempt, error_message=None,
                 deadline=CONFLICT_DEADLINE, now=None):
        """Report that the lease ``attempt`` lost a write conflict to others.

        Not a failure: ``retries`` are kept. The task is queued again after
        ``conflict_delay`` seconds with its chunk halved, down to one object,
        and ``contended_until`` ``CONTENDED_SECONDS`` after that delay: until
        then it commits each chunk at once (holding its transaction open would
        only make it lose again), and so does its rest, while ``min_seconds``
        still paces its consumer. At one object, that object moves to the end of
        ``uids`` (and of ``slots``), so that one busy object does not hold
        back the others.
        After ``deadline`` seconds of conflicts in a row it fails for good,
        with ``error_message`` (which should name the object). A lease whose
        work was committed after all is done. Returns the task in its new
        state; refusals as ``done``.
        """
        _check_int(deadline, "deadline", 0)
        now = _now(now)
        record = self._leased(task_uid, attempt)
        if self._committed(record):
            return self._done(record, now)
        data = record.data
        message = six.ensure_str(error_message or "ConflictError")
        conflicts = data.get("conflicts", 0) + 1
        since = data.get("conflict_since") or now
        self._lease_ended(record, now)
        self._count(metrics.CONFLICTS, record)
        self._unindex_status(record)
        if now - since >= deadline:
            self._count(metrics.FAILED, record)
            record.update(status=FAILED, conflicts=conflicts,
                          conflict_since=since, error_message=GAVE_UP_MESSAGE
                          .format(conflicts, int(now - since), message))
            self._failed.add(data["task_uid"])
            self._n_failed.change(1)
            return record.task()
        uids, slots = list(data["uids"]), data.get("slots")
        chunk_size = data["chunk_size"] or len(uids)
        if chunk_size <= 1 and len(uids) > 1:
            uids.append(uids.pop(0))
            if slots and len(slots) == len(data["uids"]):
                slots = list(slots[1:]) + [slots[0]]
        delay = conflict_delay(conflicts)
        record.update(status=QUEUED, conflicts=conflicts, conflict_since=since,
                      created=now, delay=delay,
                      contended_until=now + delay + CONTENDED_SECONDS,
                      chunk_size=max(1, chunk_size // 2), uids=uids,
                      slots=slots, error_message=CONFLICT_MESSAGE.format(
                          conflicts, message))
        self._index_queued(record)
        return record.task()

    def timeout(self, task_uid, attempt, now=None):
        """Report that the lease ``attempt`` of a running task timed out.

        ``max_seconds`` grows by half (rounding up), then the ``fail`` rule
        applies with the message "Timeout". A lease whose work was committed
        (``receipt``) is done instead, here and in ``fail`` and ``purge``.
        """
        now = _now(now)
        return self._timeout(self._leased(task_uid, attempt), now)

    def release(self, task_uid, attempt, now=None):
        """Give back the lease ``attempt`` of a task its consumer did not
        start (its window ended before it): queued again in its place, with
        its retries. A lease whose work was committed is done instead.
        Refusals as ``done``."""
        now = _now(now)
        record = self._leased(task_uid, attempt)
        if self._committed(record):
            return self._done(record, now)
        self._unindex_status(record)
        record.update(status=QUEUED)
        self._index_queued(record)
        return record.task()

    def requeue(self, task_uid, retries=DEFAULT_RETRIES):
        """Queue a queued or failed task again with ``retries`` retries.

        Other fields (created, delay, chunk_size, max_seconds,
        error_message) are kept. A running task is refused with
        ``TaskStatusError``: it may be running right now.
        """
        _check_int(retries, "retries", 0)
        record = self._get_record(task_uid)
        status = record.data["status"]
        if status == RUNNING:
            raise TaskStatusError(task_uid, status, "Task is running, it "
                                  "cannot be re-queued: {}".format(task_uid))
        if status == FAILED:
            self._unindex_status(record)
            record.update(status=QUEUED, retries=retries)
            self._index_queued(record)
        else:
            record.update(retries=retries)
        return record.task()

    def delete(self, task_uid):
        """Remove a task whatever its status; return it (status None)."""
        record = self._get_record(task_uid)
        self._remove(record)
        return record.task()

    def compact(self):
        """Drop the records and object-index entries of removed tasks (see
        ``_trash``); pop calls it once ``COMPACT_AT`` have piled up.
        Returns how many were dropped."""
        uids = list(self._trash.keys())
        for uid in uids:
            self._drop(self._records[uid])
        return len(uids)

    def purge(self, now=None):
        """Time out every running task whose lease has expired
        (``started + max_seconds < now``); return them in their new state.
        """
        now = _now(now)
        return [self._timeout(self._records[uid], now)
                for uid, lease in list(self._running.items())
                if lease[0] < now]

    # -- queries ----------------------------------------------------------

    def get_task(self, task_uid):
        """A copy of the task, or None."""
        record = self._stored(task_uid)
        return record.task() if record is not None else None

    def has_task(self, task_uid):
        return self._stored(task_uid) is not None

    def get_tasks(self, status=None):
        """Copies of the tasks with the given status(es), in pop order for
        queued ones. Default: queued and running. Ghost tasks are left out
        unless "ghost" is among the statuses."""
        return [record.task() for record in self._records_in(status)]

    def get_uids(self, status=None):
        """Sorted UIDs of the objects (contexts and uids) of the tasks with
        the given status(es) (as ``get_tasks``)."""
        uids = set()
        for record in self._records_in(status):
            uids.update(_object_uids(record.data))
        return sorted(uids)

    def get_tasks_for(self, uid, name=None, status=None):
        """Copies of the tasks whose context or uids include the object UID,
        optionally of one name; statuses as ``get_tasks``."""
        return [record.task() for record in self._records_for(
            uid, status, name=name)]

    def is_queued(self, uid, status=None):
        """Whether any task (statuses as ``get_tasks``) works on the object.
        """
        for _ in self._records_for(uid, status):
            return True
        return False

    def search(self, status=None, **query):
        """Copies of the tasks (statuses as ``get_tasks``) whose fields or
        extra keys equal every ``query`` value; the key ``uid`` matches
        tasks that work on that object UID."""
        if "uid" in query:
            records = self._records_for(query.pop("uid"), status)
        else:
            records = self._records_in(status)
        tasks = []
        for record in records:
            task = record.task()
            if all(task.get(key) == value for key, value in query.items()):
                tasks.append(task)
        return tasks

    def __len__(self):
        """Number of queued and running tasks."""
        return self._n_queued() + self._n_running()

    def is_empty(self):
        return len(self) == 0

    def counts(self):
        """Tasks per status, and ``done``: all tasks finished so far."""
        return {
            QUEUED: self._n_queued(),
            RUNNING: self._n_running(),
            FAILED: self._n_failed(),
            "done": self._n_done(),
        }

    def leases(self):
        """The running tasks' leases: task uid -> ``expires``,
        ``consumer_id`` and ``attempt`` (cheap: one small BTree)."""
        return dict((uid, {"expires": lease[0], "consumer_id": lease[1],
                           "attempt": lease[2]})
                    for uid, lease in self._running.items())

    def metrics(self):
        """The queue's ``TaskMetrics`` (see ``core.metrics``), or None before
        ``ensure_metrics`` ran on a queue stored without them."""
        return self._metrics

    def statistics(self, now=None):
        """Counts plus what a status page needs: oldest queued task's
        ``created`` (a scan of the queued index's buckets, no record loads),
        consumers' last pop, leases, tasks done in the last hour and per
        minute."""
        now = _now(now)
        oldest = min([value[4] for value in self._queued.values(
            _HEAD_QUEUED, _TAIL_QUEUED, True, True)] or [None])
        first_minute = int(now // 60) - STATS_MINUTES + 1
        done_hour = sum(self._done_minutes.values(min=first_minute))
        stats = self.counts()
        stats.update({
            "oldest_queued": oldest,
            "consumers": dict(self._consumers.items()),
            "leases": self.leases(),
            "done_last_hour": done_hour,
            "done_per_minute": done_hour / float(STATS_MINUTES),
        })
        return stats

    # -- internals --------------------------------------------------------

    def _stored(self, task_uid):
        """The record of a stored (not removed) task, or None."""
        record = self._records.get(_check_uid(task_uid))
        if record is None or record.data["status"] is None:
            return None
        return record

    def _get_record(self, task_uid):
        record = self._stored(task_uid)
        if record is None:
            raise TaskNotFoundError(task_uid)
        return record

    def _leased(self, task_uid, attempt):
        """The record of a running task whose current lease is ``attempt``.
        """
        _check_int(attempt, "attempt", 1)
        record = self._get_record(task_uid)
        status = record.data["status"]
        if attempt != record.data["attempt"]:
            raise StaleAckError(task_uid, status, attempt,
                                record.data["attempt"])
        if status != RUNNING:
            raise TaskStatusError(task_uid, status, "Task is not running: {} "
                                  "(status {})".format(task_uid, status))
        return record

    def _has_queued(self, name, context_uid):
        for record in self._records_for(context_uid, QUEUED, name=name,
                                        ghosts=True):
            if record.data["context_uid"] == context_uid:
                return True
        return False

    def _statuses(self, status):
        """(statuses, include ghosts) from None, a status or a list."""
        if status is None:
            status = DEFAULT_STATUSES
        elif isinstance(status, six.string_types):
            status = (status,)
        elif not isinstance(status, (list, tuple, set, frozenset)):
            raise InvalidArgumentError("Invalid status: {!r}".format(status))
        unknown = [st for st in status if st not in STATUSES + (GHOST,)]
        if unknown:
            raise InvalidArgumentError("Unknown status {!r}; expected some of "
                                       "{}".format(unknown[0], ", ".join(
                                           STATUSES + (GHOST,))))
        statuses = [st for st in STATUSES if st in status]
        return statuses or list(DEFAULT_STATUSES), GHOST in status

    def _records_in(self, status):
        statuses, ghosts = self._statuses(status)
        for st in statuses:
            if st == QUEUED:
                uids = reversed([value[3] for value in self._queued.values(
                    _HEAD_QUEUED, _TAIL_QUEUED, True, True)])
            elif st == RUNNING:
                uids = self._running.keys()
            else:
                uids = self._failed.keys()
            for uid in uids:
                record = self._records[uid]
                if ghosts or not record.data["ghost"]:
                    yield record

    def _records_for(self, uid, status, name=None, ghosts=None):
        _check_uid(uid, "object uid", allow_portal=True)
        statuses, with_ghosts = self._statuses(status)
        ghosts = with_ghosts if ghosts is None else ghosts
        for _, task_uid in self._objects.keys(min=(uid, ""),
                                              max=(uid, _UID_MAX)):
            record = self._records[task_uid]
            data = record.data
            if data["status"] in statuses and (ghosts or not data["ghost"]) \
                    and name in (None, data["name"]):
                yield record

    def _queued_in_order(self):
        """The queued index's values in pop order, lazily (each step is
        one O(log n) lookup)."""
        key = self._queued.maxKey(_below(_TAIL_QUEUED))
        while key != _HEAD_QUEUED:
            yield self._queued[key]
            key = self._queued.maxKey(_below(key))

    def _index_queued(self, record):
        data = record.data
        self._queued[record.queued_key] = (
            data["created"] + data["delay"], data["name"],
            path_segment(data["context_path"]), data["task_uid"],
            data["created"])
        self._n_queued.change(1)

    def _unindex_status(self, record):
        data = record.data
        uid = data["task_uid"]
        status = data["status"]
        if status == QUEUED:
            del self._queued[record.queued_key]
            self._n_queued.change(-1)
        elif status == RUNNING:
            del self._running[uid]
            self._n_running.change(-1)
        else:
            self._failed.remove(uid)
            self._n_failed.change(-1)

    def _remove(self, record, finished=None):
        """Take a task out of its status index and mark it removed; its
        record and object-index entries go at the next ``compact``. The
        record is written, so a concurrent transition of the same task
        conflicts on it and is retried."""
        self._unindex_status(record)
        record.update(status=None, finished=finished)
        uid = record.data["task_uid"]
        self._trash.add(uid)
        self._n_trash.change(1)

    def _drop(self, record):
        """Delete a removed task's record and object-index entries."""
        uid = record.data["task_uid"]
        for obj_uid in _object_uids(record.data):
            self._objects.remove((obj_uid, uid))
        del self._records[uid]
        self._trash.remove(uid)
        self._n_trash.change(-1)

    def _start(self, record, consumer_id, now):
        self._unindex_status(record)
        data = record.data
        if data["attempt"] == 0 and self._metrics is not None:
            self._metrics.observe(metrics.WAIT, data["name"], now - data["created"])
        attempt = data["attempt"] + 1
        record.update(status=RUNNING, attempt=attempt, started=now,
                      consumer_id=consumer_id)
        self._running[data["task_uid"]] = (
            now + data["max_seconds"], consumer_id, attempt, data["name"],
            path_segment(data["context_path"]))
        self._n_running.change(1)
        return record.task()

    @staticmethod
    def _committed(record):
        """Whether the work of the record's current attempt was committed."""
        return record.receipt == record.data["attempt"]

    def _give_up(self, record, error_message, now):
        """End a lease whose outcome is not known: done when its work was
        committed, else failed with ``error_message``."""
        if self._committed(record):
            return self._done(record, now)
        return self._fail(record, error_message, now)

    def _timeout(self, record, now):
        if not self._committed(record):
            max_seconds = record.data["max_seconds"]
            record.update(max_seconds=(max_seconds * 3 + 1) // 2)
        return self._give_up(record, TIMEOUT_MESSAGE, now)

    def _fail(self, record, error_message, now):
        self._lease_ended(record, now)
        self._unindex_status(record)
        data = record.data
        # A real error ends a run of conflicts
        record.update(conflicts=0, conflict_since=None)
        self._count(metrics.RETRIED if data["retries"] > 0 else metrics.FAILED, record)
        if data["retries"] > 0:
            record.update(status=QUEUED, error_message=error_message,
                          retries=data["retries"] - 1, created=now,
                          chunk_size=(data["chunk_size"] + 1) // 2,
                          delay=RETRY_DELAY)
            self._index_queued(record)
        else:
            record.update(status=FAILED, error_message=error_message)
            self._failed.add(data["task_uid"])
            self._n_failed.change(1)
        return record.task()

    def _count(self, counter, record):
        if self._metrics is not None:
            self._metrics.count(counter, record.data["name"])

    def _lease_ended(self, record, now):
        """Observe the run time of the record's current attempt."""
        if self._metrics is not None:
            data = record.data
            self._metrics.observe(metrics.RUN, data["name"], now - data["started"])
