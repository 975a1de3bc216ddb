# -*- coding: utf-8 -*-
"""The consumer's worker: a thread that drains the queue while ``queue_consume`` is called.

It watches the queue through a ZODB connection of its own (a cheap read of the queued counter
after a sync) and, while work is visible, loops: lease a window of tasks from the queue
server, have this process run them, each as its user (``queue_consumer/process``), report
their outcomes with their attempt numbers (``queue_server/report``), which leases the next
window.

A worker lives on ticks: every ``queue_consume`` request (the clock-server's, or a visit)
tells it to go on. When none has come for its idle limit, it reports the window in hand,
takes no other and stops. The limit is ``IDLE_PERIODS`` clock periods, and never less than
``MIN_IDLE_SECONDS``: ZServer wakes its clock only about every 30 s while the process is
idle, whatever the period, and a tick may also wait for a free ZServer thread. 90 s lets two
idle wake-ups in a row go missing before the worker stops; 4 periods does the same for
periods above 30 s. A process without a clock-server (the users' client) gets the same
90 s: a visit by hand leaves no worker behind.
"""

import threading
import time

import transaction
from senaite.queue import logger
from senaite.queue import protocol
from senaite.queue.client.session import QueueClientError
from senaite.queue.client.session import QueueSession
from senaite.queue.client.session import QueueTimeoutError
from ZEO.Exceptions import ClientDisconnected
from ZODB.POSException import ConnectionStateError

POLL_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 10
IDLE_PERIODS = 4
MIN_IDLE_SECONDS = 90

_lock = threading.Lock()
_worker = None


def idle_limit(period=None):
    """Seconds without a tick after which a worker stops, for a clock ``period`` (None when
    no clock-server of this process calls ``queue_consume``)."""
    return max(IDLE_PERIODS * (period or 0), MIN_IDLE_SECONDS)


class Config(object):
    """Where the worker works, as the last clock tick saw it."""

    def __init__(self, site_url, server_url, consumer_id, user_id, window_tasks=1):
        self.site_url = site_url
        self.server_url = server_url
        self.consumer_id = consumer_id
        self.user_id = user_id
        # How many tasks the worker leases at once (``pacing.window_size``)
        self.window_tasks = window_tasks


class Worker(threading.Thread):
    """Drains the queue while ticks come; a daemon thread of the consumer process."""

    def __init__(self, db, queue_oid, config, idle_limit):
        super(Worker, self).__init__(name="queue.consumer.{}".format(int(time.time())))
        self.daemon = True
        self.db = db
        self.queue_oid = queue_oid
        self.config = config
        self.idle_limit = idle_limit
        self.last_tick = time.time()
        self.stopping = threading.Event()
        # Set (under the lock) when the worker has decided to take no more steps
        self.finished = False
        self.backoff = 0
        # HTTP sessions by (site URL, user id), kept while the worker lives: no new
        # connection per call
        self.sessions = {}

    def tick(self, config, idle_limit):
        """Go on, with what the tick tells; False when the worker has finished already.
        Called under the module's lock."""
        if self.finished or not self.is_alive():
            return False
        self.config = config
        self.idle_limit = idle_limit
        self.last_tick = time.time()
        self.stopping.clear()
        return True

    def stop(self):
        """Report the window in hand, take no other, then stop."""
        self.stopping.set()

    def idle_seconds(self):
        return time.time() - self.last_tick

    def goes_on(self):
        """Whether the worker takes another task: not asked to stop, and ticks still come."""
        return not self.stopping.is_set() and self.idle_seconds() <= self.idle_limit

    def next_step(self):
        """Whether to take another step; once not, the worker is finished."""
        with _lock:
            if not self.goes_on():
                self.finished = True
            return not self.finished

    def run(self):
        manager = transaction.TransactionManager()
        connection = self.db.open(transaction_manager=manager)
        logger.info("{} started for {}: it stops {:.0f} s after the last tick".format(
            self.name, self.config.consumer_id, self.idle_limit))
        try:
            while self.next_step():
                try:
                    self.step(connection, manager)
                except ClientDisconnected as exc:
                    logger.warning("{}: the database does not answer ({}), trying again".format(
                        self.name, exc))
                    self.wait_backoff()
                except ConnectionStateError:
                    # The process stops: Zope has closed its database
                    self.stop()
                except Exception:
                    logger.exception("{}: unexpected error".format(self.name))
                    self.wait_backoff()
        finally:
            for session in self.sessions.values():
                session.close()
            if connection.opened is not None:
                connection.close()
            if self.stopping.is_set():
                logger.info("{} stopped".format(self.name))
            else:
                logger.info("{} stopped: no tick for {:.0f} s".format(
                    self.name, self.idle_seconds()))

    def session(self, site_url, secret, user_id):
        """The worker's session that calls ``site_url`` as ``user_id`` with ``secret``."""
        session = self.sessions.get((site_url, user_id))
        if session is None:
            session = QueueSession(site_url, secret, user_id)
            self.sessions[(site_url, user_id)] = session
        session.secret = secret
        return session

    def drop_session(self, site_url, user_id):
        """Close the session, whose connection may be left in a bad state."""
        session = self.sessions.pop((site_url, user_id), None)
        if session is not None:
            session.close()

    def step(self, connection, manager):
        """Pop and run tasks if the queue has work; else wait a little."""
        config = self.config
        manager.begin()
        try:
            queue = connection.get(self.queue_oid)
            work = self.has_work(queue, config.consumer_id)
            secret = queue.get_secret()
        finally:
            manager.abort()
        if not work:
            self.stopping.wait(POLL_SECONDS)
            return
        server = self.session(config.server_url, secret, config.user_id)
        try:
            tasks = server.post(protocol.POP, {"consumer_id": config.consumer_id,
                                               "max_tasks": config.window_tasks})["tasks"]
        except QueueClientError as exc:
            logger.warning("{}: cannot pop from {}: {}".format(
                self.name, config.server_url, exc))
            self.drop_session(config.server_url, config.user_id)
            self.wait_backoff()
            return
        if not tasks:
            # Queued tasks wait for their delay, a free slot or their path to be free
            self.wait_backoff()
            return
        self.backoff = 0
        # While the worker goes on, each report hands back the next window: a busy queue
        # drains back to back. A window handed out is always run.
        while tasks:
            tasks = self.run_window(tasks, secret, config)

    @staticmethod
    def has_work(queue, consumer_id):
        """Whether a pop would hand a task out or take one back: a queued task, an expired
        lease, or a lease of this consumer's. Between steps no thread works on one of
        those: a worker of this process that stopped or was killed left it, and the pop
        gives it back to the queue (see ``TaskQueue.lease``). Only a hint of when to ask:
        the server decides by its own clock whether a lease has expired."""
        if queue.counts()["queued"]:
            return True
        now = time.time()
        return any(lease["expires"] < now or lease["consumer_id"] == consumer_id
                   for lease in queue.leases().values())

    def wait_backoff(self):
        self.backoff = min(MAX_BACKOFF_SECONDS, max(POLL_SECONDS, self.backoff * 2))
        self.stopping.wait(self.backoff)

    def run_window(self, tasks, secret, config):
        """Have this process run a window of leased tasks, each as its user, and report
        their outcomes; the next window the server handed out with its answer (a list)."""
        leases = [{"task_uid": task["task_uid"], "attempt": task["attempt"]}
                  for task in tasks]
        max_seconds = [task["max_seconds"] for task in tasks]
        # When the first lease ends, by this process's clock: how long a report is worth
        # trying
        lease_end = time.time() + min(max_seconds)
        started = time.time()
        runner = self.session(config.site_url, secret, config.user_id)
        try:
            answer = runner.post(protocol.PROCESS, {
                "tasks": leases, "consumer_id": config.consumer_id}, timeout=max(max_seconds))
        except QueueTimeoutError:
            # The request goes on in its ZServer thread; its commit is fenced by the tasks'
            # receipts, so it commits nothing once they are timed out: the worker moves on
            self.drop_session(config.site_url, config.user_id)
            logger.warning("Window of {} tasks timed out after {} s".format(
                len(tasks), max(max_seconds)))
            return self.report(outcomes(leases, "timeout"), secret, config, lease_end)
        except QueueClientError as exc:
            if exc.conflict:
                logger.info("Window of {} tasks lost a conflict, it will try again: "
                            "{}".format(len(tasks), exc.message))
                return self.report(outcomes(leases, "conflict", exc.message), secret, config,
                                   lease_end)
            for task in tasks:
                logger.warning("Task {} ({}) failed: {}".format(
                    task["task_uid"], task["name"], exc))
            return self.report(outcomes(leases, "fail", "{}".format(exc)), secret, config,
                               lease_end)
        ended = answer["outcomes"]
        names = dict((task["task_uid"], task["name"]) for task in tasks)
        for outcome in ended:
            if outcome["outcome"] == "fail":
                logger.warning("Task {} ({}) failed: {}".format(
                    outcome["task_uid"], names.get(outcome["task_uid"]),
                    outcome.get("error_message")))
        logger.info("Window of {} tasks processed in {:.2f} s: {}".format(
            len(tasks), time.time() - started, answer.get("message")))
        # The wait the consumer's pace decided (``consumer.pacing``)
        wait = answer.get("wait") or 0
        if wait <= 0:
            return self.report(ended, secret, config, lease_end)
        self.report(ended, secret, config, lease_end, take_next=False)
        self.stopping.wait(wait)
        return []

    def report(self, ended, secret, config, lease_end, take_next=True):
        """Tell the server how the attempts ended; the next window it hands out (a list).

        The server hands one out only while the worker goes on and ``take_next``. While the
        server cannot be reached, keep trying until the first lease ends: after that the
        server times the task out by itself, and a report would be refused anyway.
        """
        payload = {"outcomes": ended, "max_tasks": config.window_tasks}
        if take_next and self.goes_on():
            payload["consumer_id"] = config.consumer_id
        server = self.session(config.server_url, secret, config.user_id)
        wait = POLL_SECONDS
        while True:
            try:
                answer = server.post(protocol.REPORT, payload)
            except QueueClientError as exc:
                if exc.status < 500:
                    # Refused (e.g. a malformed report): retrying changes nothing
                    logger.warning("Report of {} tasks refused: {}".format(len(ended), exc))
                    return []
                if time.time() + wait > lease_end or self.stopping.is_set():
                    logger.warning("Cannot report {} tasks, their leases end: {}".format(
                        len(ended), exc))
                    return []
                logger.warning("Cannot report {} tasks yet: {}".format(len(ended), exc))
                self.stopping.wait(wait)
                wait = min(MAX_BACKOFF_SECONDS, wait * 2)
                continue
            for item in answer.get("items") or []:
                if item.get("refused"):
                    logger.warning("Outcome of task {} refused: {}".format(
                        item["task_uid"], item["message"]))
            return answer.get("next") or []


def outcomes(leases, outcome, error_message=None):
    """The same ``outcome`` for every lease of a window."""
    ended = [dict(lease, outcome=outcome) for lease in leases]
    if error_message is not None:
        for item in ended:
            item["error_message"] = error_message
    return ended


def ensure_worker(db, queue_oid, config, idle_limit):
    """Tell this process's worker to go on, or start one; return it and whether it is new.

    ``idle_limit``: the seconds without a call after which the worker stops."""
    global _worker
    with _lock:
        if _worker is not None and _worker.tick(config, idle_limit):
            return _worker, False
        _worker = Worker(db, queue_oid, config, idle_limit)
        _worker.start()
        return _worker, True


def get_worker():
    """This process's worker while it works, or None."""
    with _lock:
        worker = _worker
    if worker is None or worker.finished or not worker.is_alive():
        return None
    return worker


def stop_worker(wait=0):
    """Stop this process's worker, if any, waiting up to ``wait`` seconds; its name."""
    with _lock:
        worker = _worker
    if worker is None or not worker.is_alive():
        return None
    worker.stop()
    worker.join(wait)
    return worker.name
