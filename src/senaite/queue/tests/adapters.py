# -*- coding: utf-8 -*-
"""Task adapters for the tests only (registered by tests/testing.zcml).

What they do is kept in the site's annotations, so the tests can count it: ``effects``
(object uid -> 1, written once per object), ``runs`` (task uid -> committed runs),
``consumers`` (task uid -> the consumer of its last committed run) and ``runners`` (task
uid -> the user that run ran as).
"""

import os
import signal
import time

import transaction
from AccessControl import getSecurityManager
from BTrees.OOBTree import OOBTree
from persistent.mapping import PersistentMapping
from bika.lims import api as capi
from senaite.queue import api
from senaite.queue.core.storage import RETRY_DELAY
from senaite.queue.adapters.tasks.base import TaskAdapter
from senaite.queue.adapters.tasks.base import queue_rest
from senaite.queue.adapters.tasks.chunks import get_chunks_for
from senaite.queue.interfaces import IQueuedTaskAdapter
from senaite.queue.server import dispatch
from ZODB.POSException import ReadConflictError
from zope.annotation.interfaces import IAnnotations
from zope.component import adapter
from zope.interface import Interface
from zope.interface import implementer

EFFECTS_KEY = "senaite.queue.tests.effects"
HOT_KEY = "senaite.queue.tests.hot"
RUNS_KEY = "senaite.queue.tests.runs"
TIMINGS_KEY = "senaite.queue.tests.timings"
CONSUMERS_KEY = "senaite.queue.tests.consumers"
RUNNERS_KEY = "senaite.queue.tests.runners"


def get_tree(key, portal=None):
    annotations = IAnnotations(portal or capi.get_portal())
    if key not in annotations:
        annotations[key] = OOBTree()
    return annotations[key]


def get_effects(portal=None):
    """object uid -> how many times a test adapter wrote it."""
    return get_tree(EFFECTS_KEY, portal)


def get_runs(portal=None):
    """task uid -> how many runs of the task were committed."""
    return get_tree(RUNS_KEY, portal)


def get_timings(portal=None):
    """task uid -> (created, started, processed): when a committed run happened."""
    return get_tree(TIMINGS_KEY, portal)


def get_consumers(portal=None):
    """task uid -> the consumer id of its last committed run."""
    return get_tree(CONSUMERS_KEY, portal)


def get_runners(portal=None):
    """task uid -> the user its last committed run ran as."""
    return get_tree(RUNNERS_KEY, portal)


def count_run(task):
    runs = get_runs()
    runs[task.task_uid] = runs.get(task.task_uid, 0) + 1
    get_timings()[task.task_uid] = (task.created, task.started, time.time())
    get_consumers()[task.task_uid] = task.consumer_id
    get_runners()[task.task_uid] = getSecurityManager().getUser().getId()


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class RecordAdapter(object):
    """Records each uid of the task once: running it twice changes nothing."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        effects = get_effects()
        for uid in task.uids:
            if uid not in effects:
                effects[uid] = 1
        count_run(task)


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class RaiseAdapter(object):
    """Always fails."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        raise RuntimeError("Failure on purpose")


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class SleepAdapter(object):
    """Sleeps the number of seconds of the task's ``seconds`` key, then records.

    ``seconds`` may be a list: the seconds of each attempt, the last one for the rest."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        seconds = task.get("seconds", 1)
        if isinstance(seconds, list):
            seconds = seconds[min(task.attempt, len(seconds)) - 1]
        time.sleep(float(seconds))
        RecordAdapter(self.context).process(task)


def end_lease_again(task, next_consumer):
    """What the queue server does when a lease ends while its run goes on: it times the
    lease out and leases the task to ``next_consumer``, in a transaction of its own that
    commits at once."""
    ended = time.time() + task.max_seconds + 1

    def end(queue):
        queue.purge(now=ended)
        return queue.pop(next_consumer, now=ended + RETRY_DELAY, max_consumers=16)
    return dispatch.run(api.get_task_queue(), end)


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class LeaseEndsAdapter(object):
    """Records, as ``RecordAdapter`` does; in its first attempt, the lease then ends and
    the task is leased again to the consumer ``next_consumer`` right before the run's
    commit, after every check the run makes."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        RecordAdapter(self.context).process(task)
        if task.attempt == 1:
            transaction.get().addBeforeCommitHook(
                end_lease_again, args=(task, task.get("next_consumer")))


# The longest a gate holds a run
GATE_SECONDS = 600


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class GateAdapter(object):
    """Holds its run until the file ``gate`` exists, then records; a run that lasts as long
    as the test wants, whatever the machine's speed.

    Only the attempts listed in ``gated`` (the first one by default) wait, at most
    ``GATE_SECONDS``. A run that waits creates the file ``<gate>.held`` first, and
    ``<gate>.passed`` once the gate has let it through."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        gate = task.get("gate")
        if task.attempt in task.get("gated", [1]):
            open(gate + ".held", "w").close()
            deadline = time.time() + GATE_SECONDS
            while not os.path.exists(gate) and time.time() < deadline:
                time.sleep(0.1)
            open(gate + ".passed", "w").close()
        RecordAdapter(self.context).process(task)


def kill_own_process(committed):
    """After a commit: the process dies at once, as in a crash (SIGKILL)."""
    if committed:
        os.kill(os.getpid(), signal.SIGKILL)


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class KilledAfterCommitAdapter(object):
    """Records, as ``RecordAdapter`` does; in its first attempt, its process is killed
    right after the commit of its work, before its worker can report the outcome."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        RecordAdapter(self.context).process(task)
        if task.attempt == 1:
            transaction.get().addAfterCommitHook(kill_own_process)


class LostFinish(object):
    """A resource that finishes after the database and fails there: the work is committed,
    but the request only sees the error, as when the database's answer to the commit's
    last phase is lost."""

    transaction_manager = None

    def sortKey(self):
        return "~ after the database"

    def tpc_finish(self, txn):
        raise IOError("Connection lost in tpc_finish, on purpose")

    def abort(self, txn):
        pass

    commit = tpc_begin = tpc_vote = tpc_abort = abort


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class LostFinishAdapter(object):
    """Records, as ``RecordAdapter`` does; in its first attempt, the commit's last phase
    fails after the database committed (``LostFinish``)."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        RecordAdapter(self.context).process(task)
        if task.attempt == 1:
            transaction.get().join(LostFinish())


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class WriteRaiseAdapter(object):
    """Records its uids, then fails: nothing it wrote may be committed."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        effects = get_effects()
        for uid in task.uids:
            effects[uid] = effects.get(uid, 0) + 1
        count_run(task)
        raise RuntimeError("Failure after writing, on purpose")


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class WriteConflictAdapter(object):
    """Records its uids, then loses a conflict: nothing it wrote may be committed."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        effects = get_effects()
        for uid in task.uids:
            effects[uid] = effects.get(uid, 0) + 1
        raise ReadConflictError("Conflict after writing, on purpose")


# The tasks whose commit lost a conflict on purpose already, in this process
COMMIT_CONFLICTS = set()


def edit_elsewhere(obj):
    """A user's edit of ``obj``, committed in a request of their own: a connection and a
    transaction of its own to the same database."""
    manager = transaction.TransactionManager()
    connection = obj._p_jar.db().open(transaction_manager=manager)
    try:
        connection.get(obj._p_oid).edited_elsewhere = True
        manager.commit()
    finally:
        connection.close()


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class CommitConflictAdapter(object):
    """Records its uids and counts its run in the made-up object of its first uid (which
    must exist): on its first run, a user's edit of that object is committed just before
    the task's transaction commits, which then raises a real ConflictError."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        RecordAdapter(self.context).process(task)
        hot = get_hot(task.uids[0])
        hot["task"] = hot.get("task", 0) + 1
        if task.task_uid not in COMMIT_CONFLICTS:
            COMMIT_CONFLICTS.add(task.task_uid)
            transaction.get().addBeforeCommitHook(edit_elsewhere, (hot, ))


# When each chunk of ``ChunkAdapter`` started, in this process (tests that run in-process)
CHUNK_STARTS = []


class ChunkAdapter(TaskAdapter):
    """Records the first chunk of its uids after sleeping ``chunk_seconds``, raises at the uid
    ``fail_at``, and hands the rest to ``queue_rest``."""

    def process(self, task):
        CHUNK_STARTS.append(time.time())
        seconds = float(task.get("chunk_seconds", 0))
        if seconds:
            time.sleep(seconds)
        chunk, rest = get_chunks_for(task)
        for uid in chunk:
            if uid == task.get("fail_at"):
                raise RuntimeError("Failure at {}, on purpose".format(uid))
            self.write(uid)
        if rest:
            queue_rest(task, uids=rest)

    def write(self, uid):
        effects = get_effects()
        effects[uid] = effects.get(uid, 0) + 1


class ChunkAdapterNotGoingOn(ChunkAdapter):
    """The same, as an adapter that does not support going on with its rest."""

    goes_on = False


def get_hot(uid, portal=None):
    """The persistent record of a made-up object that users and a task both write."""
    tree = get_tree(HOT_KEY, portal)
    if uid not in tree:
        tree[uid] = PersistentMapping()
    return tree[uid]


def hold_try(gate):
    """Announce this try at the gate (``<gate>.held.<n>``, n counting the tries from 0) and
    wait until the test lets it go (``<gate>.go.<n>``), at most ``GATE_SECONDS``."""
    folder, name = os.path.split(gate)
    number = len([item for item in os.listdir(folder) if item.startswith(name + ".held.")])
    open("{}.held.{}".format(gate, number), "w").close()
    deadline = time.time() + GATE_SECONDS
    while not os.path.exists("{}.go.{}".format(gate, number)) and time.time() < deadline:
        time.sleep(0.05)


class HotAdapter(ChunkAdapter):
    """Writes each object's record, as users' edits of the same objects do; counts every
    write in ``effects``, so a write committed twice shows.

    With a ``gate``, each try to write the object ``hot`` waits at it (``hold_try``) once its
    transaction has begun: a user's edit of that object committed meanwhile makes the try
    lose a conflict, whatever the machine's speed."""

    def process(self, task):
        self.task = task
        super(HotAdapter, self).process(task)

    def write(self, uid):
        if self.task.get("gate") and uid == self.task.get("hot"):
            hold_try(self.task["gate"])
        effects = get_effects()
        effects[uid] = effects.get(uid, 0) + 1
        record = get_hot(uid)
        record["queue"] = record.get("queue", 0) + 1


@adapter(Interface)
@implementer(IQueuedTaskAdapter)
class MailAdapter(object):
    """For each of its uids, sends a mail through the site's MailHost at once, as SENAITE
    does, and writes the uid's record (``get_hot``), which a user's edit may conflict with;
    raises at the uid ``fail_at``, after its mail. With ``later``, it also sends a mail
    of that subject the way MailHost delivers when the transaction commits."""

    def __init__(self, context):
        self.context = context

    def process(self, task):
        host = capi.get_tool("MailHost")
        for uid in task.uids:
            host.send("Subject: {}\n\nFrom task {}".format(uid, task.task_uid),
                      mto="lab@example.com", mfrom="queue@example.com", immediate=True)
            record = get_hot(uid)
            record["mails"] = record.get("mails", 0) + 1
            if uid == task.get("fail_at"):
                raise RuntimeError("Failure at {}, on purpose".format(uid))
        if task.get("later"):
            host.send("Subject: {}\n\nLater".format(task.get("later")),
                      mto="lab@example.com", mfrom="queue@example.com")
        count_run(task)
