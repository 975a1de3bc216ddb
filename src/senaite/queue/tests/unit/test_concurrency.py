# -*- coding: utf-8 -*-
"""Concurrency: adds and pops/acks in concurrent transactions, through two
connections of one DB and through two clients of a real ZEO server; a requeue
or a delete (done in a user's transaction) racing a pop of the same task."""
from __future__ import absolute_import

import random
import threading
import time
from contextlib import contextmanager

import pytest
import ZODB
from ZEO.ClientStorage import ClientStorage
from transaction.interfaces import IDataManager
from ZODB.POSException import ConflictError
from zope.interface import implementer

from senaite.queue.core.errors import TaskNotFoundError
from senaite.queue.core.errors import TaskStatusError
from senaite.queue.core.retry import run_in_transaction
from senaite.queue.core.storage import TaskQueue
from senaite.queue.tests.unit.helpers import check_invariants
from senaite.queue.tests.unit.helpers import new_task
from senaite.queue.tests.unit.helpers import open_connection
from senaite.queue.tests.unit.helpers import stored_uids

NOW = 1600000000.0
WORKLOAD_TIMEOUT = 120


def begin(db):
    """A connection in a fresh explicit transaction, and its queue."""
    conn = open_connection(db)
    conn.transaction_manager.begin()
    return conn, conn.root()["queue"]


def fill(db, count):
    with db.transaction() as conn:
        queue = conn.root()["queue"]
        return [queue.add(new_task(created=NOW + i)).task_uid
                for i in range(count)]


# -- two connections, one DB: deterministic interleavings ----------------

@pytest.mark.parametrize("stored", [0, 1, 5, 100])
def test_add_and_pop_in_concurrent_transactions_both_commit(
        filestorage_db, stored):
    fill(filestorage_db, stored + 1)
    user, user_queue = begin(filestorage_db)
    server, server_queue = begin(filestorage_db)
    added = user_queue.add(new_task(created=NOW + 500))
    popped = server_queue.pop("consumer", now=NOW + 1000)
    server.transaction_manager.commit()
    user.transaction_manager.commit()  # merged, no ConflictError
    user.close()
    server.close()
    with filestorage_db.transaction() as conn:
        queue = conn.root()["queue"]
        assert queue.get_task(added.task_uid).status == "queued"
        assert queue.get_task(popped.task_uid).status == "running"
        assert queue.counts()["queued"] == stored + 1
        check_invariants(queue)


@pytest.mark.parametrize("stored", [1, 5, 100])
def test_add_and_done_in_concurrent_transactions_both_commit(
        filestorage_db, stored):
    fill(filestorage_db, stored)
    with filestorage_db.transaction() as conn:
        running = conn.root()["queue"].pop("consumer", now=NOW + 1000)
    user, user_queue = begin(filestorage_db)
    server, server_queue = begin(filestorage_db)
    added = user_queue.add(new_task(created=NOW + 500))
    server_queue.done(running.task_uid, running.attempt, now=NOW + 1001)
    server.transaction_manager.commit()
    user.transaction_manager.commit()
    user.close()
    server.close()
    with filestorage_db.transaction() as conn:
        queue = conn.root()["queue"]
        assert queue.has_task(added.task_uid)
        assert not queue.has_task(running.task_uid)
        assert queue.counts()["done"] == 1
        check_invariants(queue)


def test_two_concurrent_pops_never_hand_out_one_task_twice(filestorage_db):
    (only,) = fill(filestorage_db, 1)
    first, first_queue = begin(filestorage_db)
    second, second_queue = begin(filestorage_db)
    assert first_queue.pop("c1", now=NOW + 10).task_uid == only
    assert second_queue.pop("c2", now=NOW + 10).task_uid == only
    first.transaction_manager.commit()
    with pytest.raises(ConflictError):
        second.transaction_manager.commit()
    second.transaction_manager.abort()
    # the retry sees the task running and gets nothing
    assert run_in_transaction(second.transaction_manager, lambda: (
        second.root()["queue"].pop("c2", now=NOW + 11))) is None
    first.close()
    second.close()


def test_late_ack_racing_a_purge_is_refused_after_retry(filestorage_db):
    fill(filestorage_db, 1)
    with filestorage_db.transaction() as conn:
        task = conn.root()["queue"].pop("c1", now=NOW)
    purger, purger_queue = begin(filestorage_db)
    acker, acker_queue = begin(filestorage_db)
    purger_queue.pop("c2", now=NOW + 1000)  # times the lease out
    acker_queue.done(task.task_uid, task.attempt, now=NOW + 1000)
    purger.transaction_manager.commit()
    with pytest.raises(ConflictError):
        acker.transaction_manager.commit()
    acker.transaction_manager.abort()
    acker.transaction_manager.begin()
    with pytest.raises(TaskStatusError):
        acker.root()["queue"].done(task.task_uid, task.attempt)
    assert acker.root()["queue"].get_task(task.task_uid).status == "queued"
    acker.transaction_manager.abort()
    purger.close()
    acker.close()


# -- requeue and delete racing a pop, on two ZEO clients ------------------

def zeo_clients(zeo_server):
    """Two ZEO client DBs of one server, a queue with one queued task; the
    task's uid."""
    user_db = ZODB.DB(ClientStorage(zeo_server.address, wait_timeout=30))
    with user_db.transaction() as conn:
        queue = conn.root()["queue"] = TaskQueue()
        task_uid = queue.add(new_task(retries=0)).task_uid
    # connected after the commit, so it sees the queue at once
    server_db = ZODB.DB(ClientStorage(zeo_server.address, wait_timeout=30))
    return user_db, server_db, task_uid


def change(operation, queue, task_uid):
    """What the monitor's buttons do to the task through the API
    (``requeue_task``, ``delete_task(running=False)``): running tasks are
    refused."""
    if operation == "requeue":
        return queue.requeue(task_uid, retries=3)
    task = queue.get_task(task_uid)
    if task is not None and task.status == "running":
        raise TaskStatusError(task_uid, "running", "Task is running")
    return queue.delete(task_uid)


@pytest.mark.parametrize("first", ["change", "pop"])
@pytest.mark.parametrize("operation", ["requeue", "delete"])
def test_change_racing_a_pop_of_the_same_task(zeo_server, operation, first):
    user_db, server_db, task_uid = zeo_clients(zeo_server)
    try:
        user, user_queue = begin(user_db)
        server, server_queue = begin(server_db)
        change(operation, user_queue, task_uid)
        assert server_queue.pop("c1", now=NOW + 10).task_uid == task_uid
        winner, loser = (user, server) if first == "change" else (server, user)
        winner.transaction_manager.commit()
        with pytest.raises(ConflictError):
            loser.transaction_manager.commit()
        loser.transaction_manager.abort()
        if first == "change":
            # the pop's retry sees the change
            popped = run_in_transaction(server.transaction_manager, lambda: (
                server.root()["queue"].pop("c1", now=NOW + 11)))
            if operation == "requeue":
                assert (popped.task_uid, popped.retries, popped.attempt) == (
                    task_uid, 3, 1)
            else:
                assert popped is None
        else:
            # the change's retry sees the task running and is refused
            with pytest.raises(TaskStatusError):
                run_in_transaction(user.transaction_manager, lambda: change(
                    operation, user.root()["queue"], task_uid))
        user.close()
        server.close()
        with server_db.transaction() as conn:
            queue = conn.root()["queue"]
            if first == "pop":
                # the consumer's lease is untouched
                task = queue.get_task(task_uid)
                assert (task.status, task.attempt) == ("running", 1)
            check_invariants(queue)
    finally:
        user_db.close()
        server_db.close()


def test_requeues_and_deletes_racing_pops_hand_out_no_task_twice(zeo_server):
    """Threads on two ZEO clients: one pops and acks, one requeues or deletes
    the same tasks, each retried on conflicts; every task ends once."""
    user_db, server_db, first = zeo_clients(zeo_server)
    try:
        with user_db.transaction() as conn:
            queue = conn.root()["queue"]
            uids = [first] + [queue.add(new_task(created=NOW + i)).task_uid
                              for i in range(40)]
        while True:
            with server_db.transaction() as conn:
                if len(conn.root()["queue"]) == len(uids):
                    break
            time.sleep(0.01)
        deleted, popped, errors = [], [], []
        user_done = threading.Event()

        def user():
            rng = random.Random(3)
            conn = open_connection(user_db)
            try:
                for uid in uids:
                    operation = rng.choice(["requeue", "delete"])
                    try:
                        run_in_transaction(
                            conn.transaction_manager,
                            lambda: change(operation, conn.root()["queue"],
                                           uid), retries=100, backoff=0.001)
                    except (TaskStatusError, TaskNotFoundError):
                        continue
                    if operation == "delete":
                        deleted.append(uid)
            except Exception as exc:
                errors.append(exc)
            finally:
                user_done.set()
                conn.close()

        def server():
            conn = open_connection(server_db)
            deadline = time.time() + WORKLOAD_TIMEOUT
            try:
                while time.time() < deadline:
                    task = run_in_transaction(
                        conn.transaction_manager,
                        lambda: conn.root()["queue"].pop("c1"),
                        retries=100, backoff=0.001)
                    if task is None:
                        if user_done.is_set() and not run_in_transaction(
                                conn.transaction_manager,
                                lambda: len(conn.root()["queue"])):
                            return
                        time.sleep(0.01)
                        continue
                    popped.append(task.task_uid)
                    run_in_transaction(
                        conn.transaction_manager,
                        lambda: conn.root()["queue"].done(task.task_uid,
                                                          task.attempt),
                        retries=100, backoff=0.001)
            except Exception as exc:
                errors.append(exc)
            finally:
                conn.close()

        threads = [threading.Thread(target=user),
                   threading.Thread(target=server)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(popped) == len(set(popped))
        assert not set(popped) & set(deleted)
        assert sorted(popped + deleted) == sorted(uids)
        with server_db.transaction() as conn:
            queue = conn.root()["queue"]
            check_invariants(queue)
            assert len(queue) == 0
    finally:
        user_db.close()
        server_db.close()



def test_receipt_and_other_dispatch_in_concurrent_transactions_both_commit(
        filestorage_db):
    """A consumer's receipt, in the transaction of its work, merges with the
    server's done of another task and pop of a third: it writes nothing but
    its own task's record."""
    fill(filestorage_db, 3)
    with filestorage_db.transaction() as conn:
        queue = conn.root()["queue"]
        first = queue.pop("c1", now=NOW + 1000)
        second = queue.pop("c2", now=NOW + 1000)
    worker, worker_queue = begin(filestorage_db)
    server, server_queue = begin(filestorage_db)
    worker_queue.receipt(first.task_uid, first.attempt)
    worker.root()["work"] = "done"
    server_queue.done(second.task_uid, second.attempt, now=NOW + 1001)
    server_queue.pop("c3", now=NOW + 1001)
    server.transaction_manager.commit()
    worker.transaction_manager.commit()  # merged, no ConflictError
    worker.close()
    server.close()
    with filestorage_db.transaction() as conn:
        queue = conn.root()["queue"]
        assert conn.root()["work"] == "done"
        assert queue.counts()["done"] == 1
        check_invariants(queue)


# -- the fence: a lease's work commits only if the lease is current -------

@contextmanager
def stored(db):
    """A transaction that reads what the storage holds: nothing a connection
    cached before."""
    with db.transaction() as conn:
        conn.cacheMinimize()
        yield conn


def lease_one(db, max_seconds=30):
    """One task leased to c1 at NOW; the task."""
    with db.transaction() as conn:
        queue = conn.root()["queue"]
        queue.add(new_task(created=NOW, max_seconds=max_seconds))
        return queue.pop("c1", now=NOW)


def start_work(db, task):
    """The consumer's transaction: it sees its lease, works, and writes its
    receipt, as the process route does; not committed yet."""
    worker, queue = begin(db)
    assert queue.get_task(task.task_uid).attempt == task.attempt
    worker.root()["work"] = task.attempt
    queue.receipt(task.task_uid, task.attempt)
    return worker


def test_the_work_of_a_lease_purged_and_leased_again_meanwhile_commits_nothing(
        filestorage_db):
    task = lease_one(filestorage_db)
    worker = start_work(filestorage_db, task)
    # the lease ends while the work goes on: the server purges it and leases the
    # task to another consumer, and commits first
    with filestorage_db.transaction() as conn:
        queue = conn.root()["queue"]
        assert [t.status for t in queue.purge(now=NOW + 31)] == ["queued"]
        again = queue.pop("c2", now=NOW + 40)
        assert (again.task_uid, again.attempt) == (task.task_uid, 2)
    with pytest.raises(ConflictError):
        worker.transaction_manager.commit()
    worker.transaction_manager.abort()
    worker.close()
    # the second lease's work commits; the task is done once
    worker = start_work(filestorage_db, again)
    worker.transaction_manager.commit()
    worker.close()
    with stored(filestorage_db) as conn:
        queue = conn.root()["queue"]
        assert conn.root()["work"] == 2
        queue.done(task.task_uid, 2, now=NOW + 41)
        with pytest.raises(TaskNotFoundError):
            queue.done(task.task_uid, 1, now=NOW + 42)
        assert queue.counts()["done"] == 1 and len(queue) == 0
        check_invariants(queue)


def test_a_purge_begun_before_the_work_committed_counts_it_done(filestorage_db):
    task = lease_one(filestorage_db)
    # the server's transaction starts before the work commits, and reads the
    # lease as it was then
    server, server_queue = begin(filestorage_db)
    assert server_queue.get_task(task.task_uid).status == "running"
    worker = start_work(filestorage_db, task)
    worker.transaction_manager.commit()
    worker.close()
    # its purge, decided on what it read, loses at the commit
    assert [t.status for t in server_queue.purge(now=NOW + 31)] == ["queued"]
    with pytest.raises(ConflictError):
        server.transaction_manager.commit()
    server.transaction_manager.abort()
    # the server runs it again, as it runs every transition: it finds the receipt
    purged = run_in_transaction(server.transaction_manager,
                                lambda: server_queue.purge(now=NOW + 31))
    server.close()
    assert [t.status for t in purged] == [None]
    with stored(filestorage_db) as conn:
        queue = conn.root()["queue"]
        assert conn.root()["work"] == 1
        assert queue.counts()["done"] == 1 and len(queue) == 0
        check_invariants(queue)


@implementer(IDataManager)
class LostFinish(object):
    """A resource that finishes after the database and fails there: the work
    is committed, but the committer only sees the error, as when the consumer
    loses the database in the middle of the commit's last phase."""

    transaction_manager = None

    def sortKey(self):
        return "~ after the database"

    def tpc_finish(self, txn):
        raise IOError("Connection lost in tpc_finish")

    def abort(self, txn):
        pass

    commit = tpc_begin = tpc_vote = tpc_abort = abort


def test_a_failure_reported_after_a_lost_finish_counts_the_work_done(
        filestorage_db):
    task = lease_one(filestorage_db)
    worker = start_work(filestorage_db, task)
    worker.transaction_manager.get().join(LostFinish())
    with pytest.raises(IOError):
        worker.transaction_manager.commit()
    worker.transaction_manager.abort()
    worker.close()
    # the consumer cannot tell whether the work committed: it reports a failure
    with stored(filestorage_db) as conn:
        queue = conn.root()["queue"]
        assert conn.root()["work"] == 1
        failed = queue.fail(task.task_uid, 1, "Connection lost", now=NOW + 1)
        assert failed.status is None
        assert queue.counts()["done"] == 1 and len(queue) == 0
        check_invariants(queue)


# -- threaded workloads -------------------------------------------------

class Workload(object):
    """Producers add tasks and consumers pop them and ack done or fail,
    each in its own connection and short transactions (retried on
    conflicts), until every task is done or failed."""

    def __init__(self, per_producer, seed):
        self.per_producer = per_producer
        self.seed = seed
        self.lock = threading.Lock()
        self.added = []
        self.dispatched = []   # (task_uid, attempt, consumer)
        self.done = []
        self.errors = []
        self.attempts = 0      # transactions run, retries included
        self.commits = 0
        self.producers_left = 0
        self.popped = {}       # consumer name -> Event, set at first pop

    def transact(self, conn, fn):
        def counted():
            with self.lock:
                self.attempts += 1
            return fn(conn.root()["queue"])
        result = run_in_transaction(conn.transaction_manager, counted,
                                    retries=100, backoff=0.001)
        with self.lock:
            self.commits += 1
        return result

    def producer(self, db, name):
        rng = random.Random("{}-{}".format(self.seed, name))
        conn = open_connection(db)
        try:
            made = 0
            while made < self.per_producer:
                batch = min(rng.randint(1, 5), self.per_producer - made)
                uids = self.transact(conn, lambda queue: [
                    queue.add(new_task(
                        rng.choice(["task_a", "task_b"]),
                        path="/senaite/clients", created=time.time(),
                        retries=rng.randint(0, 1))).task_uid
                    for _ in range(batch)])
                with self.lock:
                    self.added.extend(uids)
                made += batch
                time.sleep(rng.random() * 0.002)
        except Exception as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            with self.lock:
                self.producers_left -= 1
            conn.close()

    def consumer(self, db, name):
        rng = random.Random("{}-{}".format(self.seed, name))
        conn = open_connection(db)
        deadline = time.time() + WORKLOAD_TIMEOUT
        try:
            while time.time() < deadline:
                task = self.transact(conn, lambda queue: queue.pop(
                    name, max_consumers=8))
                if task is None:
                    if self.finished(conn):
                        return
                    time.sleep(0.001)
                    continue
                with self.lock:
                    self.dispatched.append((task.task_uid, task.attempt,
                                            name))
                self.meet(name)
                if rng.random() < 0.2:
                    # created goes back 10 s, so the 5 s retry delay has
                    # passed and the retry is poppable at once
                    self.transact(conn, lambda queue: queue.fail(
                        task.task_uid, task.attempt, "random failure",
                        now=time.time() - 10))
                else:
                    self.transact(conn, lambda queue: queue.done(
                        task.task_uid, task.attempt))
                    with self.lock:
                        self.done.append(task.task_uid)
            self.errors.append(AssertionError("workload timed out"))
        except Exception as exc:
            self.errors.append(exc)
        finally:
            conn.close()

    def meet(self, name):
        """Wait, once, until every consumer has popped a task, so that
        thread scheduling can't let one consumer drain the whole queue
        """
        event = self.popped[name]
        if event.is_set():
            return
        event.set()
        for other in self.popped.values():
            other.wait(WORKLOAD_TIMEOUT / 4.0)

    def finished(self, conn):
        if self.producers_left:
            return False
        counts = self.transact(conn, lambda queue: queue.counts())
        return counts["done"] + counts["failed"] == len(self.added)

    def run(self, producer_dbs, consumer_dbs):
        self.producers_left = len(producer_dbs)
        self.popped = dict(("c{}".format(i), threading.Event())
                           for i in range(len(consumer_dbs)))
        threads = [threading.Thread(target=self.producer, args=(db, "p{}"
                                    .format(i)))
                   for i, db in enumerate(producer_dbs)]
        threads += [threading.Thread(target=self.consumer, args=(db, "c{}"
                                     .format(i)))
                    for i, db in enumerate(consumer_dbs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def check(self, db):
        assert self.errors == []
        # no double dispatch: each (task, attempt) handed out once, and
        # a task's attempts are 1, 2, ... in order
        leases = [(uid, attempt) for uid, attempt, _ in self.dispatched]
        assert len(leases) == len(set(leases))
        by_task = {}
        for uid, attempt, _ in self.dispatched:
            by_task.setdefault(uid, []).append(attempt)
        for attempts in by_task.values():
            assert attempts == list(range(1, len(attempts) + 1))
        # no lost task: each one was done once or sits in the failed pool
        with db.transaction() as conn:
            queue = conn.root()["queue"]
            check_invariants(queue)
            failed = set(t.task_uid for t in queue.get_tasks("failed"))
            assert len(self.done) == len(set(self.done))
            assert set(self.done) | failed == set(self.added)
            assert not set(self.done) & failed
            assert stored_uids(queue) == failed
            assert queue.counts()["done"] == len(self.done)
            assert len(queue) == 0


def test_two_connections_interleaved_workload(filestorage_db):
    workload = Workload(per_producer=150, seed=1)
    workload.run([filestorage_db], [filestorage_db, filestorage_db])
    workload.check(filestorage_db)
    assert len(workload.added) == 150
    assert len(set(c for _, _, c in workload.dispatched)) == 2


def test_zeo_two_clients_interleaved_workload(zeo_server):
    db_a = ZODB.DB(ClientStorage(zeo_server.address, wait_timeout=30))
    with db_a.transaction() as conn:
        conn.root()["queue"] = TaskQueue()
    # connected after the commit, so it sees the queue at once
    db_b = ZODB.DB(ClientStorage(zeo_server.address, wait_timeout=30))
    try:
        workload = Workload(per_producer=60, seed=2)
        workload.run([db_a, db_b], [db_a, db_b])
        # read the final state through the other client
        workload.check(db_b)
        assert len(workload.added) == 120
    finally:
        db_a.close()
        db_b.close()
