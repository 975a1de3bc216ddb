# -*- coding: utf-8 -*-
"""The consumer's worker: a long-lived thread that drains the queue.

It watches the queue through a ZODB connection of its own (a cheap read of the queued counter
after a sync) and, while work is visible, loops: pop from the queue server, have this process
run the task as the task's user (``queue_consumer/process``), report the outcome with the
task's attempt number, pop the next one.
"""

import threading
import time

import transaction
from senaite.queue import logger
from senaite.queue import protocol
from senaite.queue.client.session import QueueClientError
from senaite.queue.client.session import QueueSession
from senaite.queue.client.session import QueueTimeoutError

POLL_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 10

_lock = threading.Lock()
_worker = None


class Config(object):
    """Where the worker works, as the last clock tick saw it."""

    def __init__(self, site_url, server_url, consumer_id, user_id):
        self.site_url = site_url
        self.server_url = server_url
        self.consumer_id = consumer_id
        self.user_id = user_id


class Worker(threading.Thread):
    """Drains the queue until stopped; a daemon thread of the consumer process."""

    def __init__(self, db, queue_oid, config):
        super(Worker, self).__init__(name="queue.consumer.{}".format(int(time.time())))
        self.daemon = True
        self.db = db
        self.queue_oid = queue_oid
        self.config = config
        self.stopping = threading.Event()
        self.backoff = 0

    def stop(self):
        self.stopping.set()

    def run(self):
        manager = transaction.TransactionManager()
        connection = self.db.open(transaction_manager=manager)
        logger.info("{} started for {}".format(self.name, self.config.consumer_id))
        try:
            while not self.stopping.is_set():
                try:
                    self.step(connection, manager)
                except Exception:
                    logger.exception("{}: unexpected error".format(self.name))
                    self.wait_backoff()
        finally:
            connection.close()
            logger.info("{} stopped".format(self.name))

    def step(self, connection, manager):
        """Pop and run one task if the queue has work; else wait a little."""
        manager.begin()
        try:
            queue = connection.get(self.queue_oid)
            now = time.time()
            # A pop also times out expired leases, so that their tasks run again
            work = queue.counts()["queued"] or any(
                lease["expires"] < now for lease in queue.leases().values())
            secret = queue.get_secret()
        finally:
            manager.abort()
        if not work:
            self.stopping.wait(POLL_SECONDS)
            return
        config = self.config
        server = QueueSession(config.server_url, secret, config.user_id)
        try:
            task = server.post(protocol.POP, {"consumer_id": config.consumer_id})["task"]
        except QueueClientError as exc:
            logger.warning("{}: cannot pop from {}: {}".format(
                self.name, config.server_url, exc))
            self.wait_backoff()
            return
        finally:
            server.close()
        if not task:
            # Queued tasks wait for their delay, a free slot or their path to be free
            self.wait_backoff()
            return
        self.backoff = 0
        # Each report hands back the next task, so a busy queue drains back to back
        while task and not self.stopping.is_set():
            task = self.run_task(task, secret, config)

    def wait_backoff(self):
        self.backoff = min(MAX_BACKOFF_SECONDS, max(POLL_SECONDS, self.backoff * 2))
        self.stopping.wait(self.backoff)

    def run_task(self, task, secret, config):
        """Have this process run the task as its user and report the outcome; the next task
        the server handed out with its answer, if any."""
        payload = {"task_uid": task["task_uid"], "attempt": task["attempt"],
                   "consumer_id": config.consumer_id}
        lease_end = task["started"] + task["max_seconds"]
        if not task["username"]:
            payload["error_message"] = "Task has no user to run as"
            return self.report("fail", payload, secret, config, lease_end)
        started = time.time()
        runner = QueueSession(config.site_url, secret, task["username"])
        try:
            runner.post(protocol.PROCESS, payload, timeout=task["max_seconds"])
        except QueueTimeoutError:
            logger.warning("Task {} ({}) timed out after {} s".format(
                task["task_uid"], task["name"], task["max_seconds"]))
            return self.report("timeout", payload, secret, config, lease_end)
        except QueueClientError as exc:
            payload["error_message"] = exc.message if exc.conflict else "{}".format(exc)
            if exc.conflict:
                logger.info("Task {} ({}) lost a conflict, it will try again: {}".format(
                    task["task_uid"], task["name"], exc.message))
                return self.report("conflict", payload, secret, config, lease_end)
            logger.warning("Task {} ({}) failed: {}".format(task["task_uid"], task["name"], exc))
            return self.report("fail", payload, secret, config, lease_end)
        finally:
            runner.close()
        logger.info("Task {} ({}, {} objects) processed in {:.2f} s".format(
            task["task_uid"], task["name"], len(task["uids"]), time.time() - started))
        return self.report("done", payload, secret, config, lease_end)

    def report(self, outcome, payload, secret, config, lease_end):
        """Tell the server how the attempt ended; the next task it hands out, or None.

        While the server cannot be reached, keep trying until the lease ends: after that the
        server times the task out by itself, and a report would be refused anyway.
        """
        server = QueueSession(config.server_url, secret, config.user_id)
        wait = POLL_SECONDS
        try:
            while True:
                try:
                    return server.post(protocol.SERVER + "/" + outcome, payload).get("next")
                except QueueClientError as exc:
                    if exc.status < 500:
                        # Refused (e.g. a stale attempt): retrying changes nothing
                        logger.warning("{} of task {} refused: {}".format(
                            outcome, payload["task_uid"], exc))
                        return None
                    if time.time() + wait > lease_end or self.stopping.is_set():
                        logger.warning("Cannot report {} of task {}, its lease ends: {}".format(
                            outcome, payload["task_uid"], exc))
                        return None
                    logger.warning("Cannot report {} of task {} yet: {}".format(
                        outcome, payload["task_uid"], exc))
                    self.stopping.wait(wait)
                    wait = min(MAX_BACKOFF_SECONDS, wait * 2)
        finally:
            server.close()


def ensure_worker(db, queue_oid, config):
    """Start a worker unless this process has a live one; return it and whether it is new."""
    global _worker
    with _lock:
        if _worker is not None and _worker.is_alive() and not _worker.stopping.is_set():
            _worker.config = config
            return _worker, False
        _worker = Worker(db, queue_oid, config)
        _worker.start()
        return _worker, True


def stop_worker(wait=0):
    """Stop this process's worker, if any, waiting up to ``wait`` seconds; its name."""
    with _lock:
        worker = _worker
    if worker is None or not worker.is_alive():
        return None
    worker.stop()
    worker.join(wait)
    return worker.name
