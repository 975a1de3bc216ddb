# -*- coding: utf-8 -*-
"""A consumer fills its minimum seconds with a window of tasks, and commits them at once
(``consumer.pacing.Window``, ``consumer.processor.run_window``).

The pace tests run the window in this process on a test clock, which moves only when the
task adapters or the pace wait: what the pace decides is checked, not how long a run took.
The route tests call the consumer's ``process`` route and the server's ``pop`` and
``report`` routes over HTTP, as a consumer's worker does."""

import time

import transaction
from plone import api as ploneapi
from senaite.queue import api
from senaite.queue import protocol
from senaite.queue.consumer import pacing
from senaite.queue.consumer.pacing import CONTENDED_PAUSE
from senaite.queue.tests.adapters import CHUNK_STARTS
from senaite.queue.tests.adapters import get_effects
from senaite.queue.tests.adapters import get_hot
from senaite.queue.tests.adapters import get_runners
from senaite.queue.tests.adapters import get_runs
from senaite.queue.tests.clocks import PaceTestCase
from senaite.queue.tests.clocks import clocked
from senaite.queue.tests.support import RouteTestCase
from senaite.queue.tests.utils import clean_request
from senaite.queue.tests.utils import run_window

CONSUMER = "http://localhost:8089"


def uids(count, start=0):
    return ["{:032x}".format(start + i + 1) for i in range(count)]


class TestWindowPace(PaceTestCase):
    """Which leased tasks a window runs, and what its consumer does next."""

    window_tasks = 10

    def tearDown(self):
        clean_request(self.request)
        transaction.abort()

    def add(self, count, first=0, **kw):
        """Queue ``count`` chunk tasks of 2 objects each, ``first`` the priority of the
        first."""
        kw.setdefault("min_seconds", 1)
        for index in range(first, first + count):
            api.add_task("queue_test_chunks", self.portal, uids=uids(2, start=10 * index),
                         chunk_size=2, priority=index, **kw)

    def lease(self, count, now=None):
        return self.queue.lease(CONSUMER, count, max_consumers=16, now=now)

    def window(self, count, **kw):
        """``count`` new chunk tasks, leased to one consumer at once."""
        self.add(count, **kw)
        return self.lease(count)

    def paced(self, tasks):
        """The window's run on a test clock: (outcomes by name, the wait after it,
        the clock)."""
        with clocked() as clock:
            self.started = clock.time()
            ran, wait = run_window(tasks, self.request)
        return [outcome.outcome for outcome in ran], wait, clock

    def starts(self):
        return [round(start - self.started, 1) for start in CHUNK_STARTS]

    def test_the_minimum_seconds_are_filled_with_tasks(self):
        # each task takes 0.3 s: four start within the window's second, the others wait
        tasks = self.window(6, chunk_seconds=0.3)
        outcomes, wait, clock = self.paced(tasks)
        self.assertEqual(outcomes, ["done"] * 4 + ["release"] * 2)
        self.assertEqual(self.starts(), [0, 0.3, 0.6, 0.9])
        # a window never holds its transaction: its consumer goes on at once
        self.assertEqual((clock.held, wait), ([], 0))

    def test_no_minimum_seconds_only_the_bounds_end_a_window(self):
        tasks = self.window(6, chunk_seconds=0.3, min_seconds=0)
        outcomes, wait, clock = self.paced(tasks)
        self.assertEqual(outcomes, ["done"] * 6)
        self.assertEqual((clock.held, wait), ([], 0))

    def test_no_task_starts_after_half_its_time_limit(self):
        tasks = self.window(6, chunk_seconds=0.3, min_seconds=0, max_seconds=1)
        outcomes = self.paced(tasks)[0]
        self.assertEqual(outcomes, ["done"] * 2 + ["release"] * 4)

    def test_no_task_starts_past_the_objects_bound(self):
        saved = pacing.MAX_OBJECTS
        pacing.MAX_OBJECTS = 5
        try:
            outcomes = self.paced(self.window(6, min_seconds=0))[0]
        finally:
            pacing.MAX_OBJECTS = saved
        # 2 objects each: the third task reaches 6
        self.assertEqual(outcomes, ["done"] * 3 + ["release"] * 3)

    def test_a_task_goes_on_with_its_rest_then_the_window_goes_on(self):
        api.add_task("queue_test_chunks", self.portal, uids=uids(6), chunk_size=2,
                     min_seconds=1, priority=0)
        api.add_task("queue_test_record", self.portal, uids=uids(1, start=50),
                     min_seconds=1, priority=1)
        tasks = self.lease(2)
        outcomes = self.paced(tasks)[0]
        self.assertEqual(outcomes, ["done", "done"])
        self.assertEqual(sorted(get_effects(self.portal).keys()), uids(6) + uids(1, start=50))
        self.assertEqual(len(CHUNK_STARTS), 3)

    def test_a_contended_task_runs_alone(self):
        first = self.window(1, min_seconds=3)[0]
        self.queue.conflict(first.task_uid, first.attempt, "ConflictError on /x",
                            now=time.time())
        self.add(3, first=1, min_seconds=3)
        tasks = self.lease(4, now=time.time() + 60)
        self.assertEqual(tasks[0].task_uid, first.task_uid)
        outcomes, wait, clock = self.paced(tasks)
        self.assertEqual(outcomes, ["done"] + ["release"] * 3)
        # it commits at once, and its consumer yields a moment after the commit: not the
        # rest of its minimum seconds (one task per window waits those, test_going_on)
        self.assertEqual((clock.held, wait), ([], CONTENDED_PAUSE))

    def test_a_window_ends_before_a_contended_task(self):
        tasks = self.window(3, min_seconds=0)
        contended = tasks[1]
        self.queue.conflict(contended.task_uid, contended.attempt, "ConflictError on /x",
                            now=time.time())
        self.queue.release(tasks[2].task_uid, tasks[2].attempt)
        self.queue.done(tasks[0].task_uid, tasks[0].attempt)
        api.add_task("queue_test_chunks", self.portal, uids=uids(2, start=100),
                     chunk_size=2, priority=-1, min_seconds=0)
        tasks = self.lease(3, now=time.time() + 60)
        self.assertEqual(tasks[1].task_uid, contended.task_uid)
        outcomes, wait = self.paced(tasks)[:2]
        self.assertEqual(outcomes, ["done", "release", "release"])
        self.assertEqual(wait, 0)

    def test_a_window_that_runs_again_is_contended(self):
        tasks = self.window(3, min_seconds=0)
        self.request.retry_count = 1
        try:
            outcomes, wait = self.paced(tasks)[:2]
        finally:
            self.request.retry_count = 0
        self.assertEqual(outcomes, ["done", "release", "release"])
        self.assertEqual(wait, CONTENDED_PAUSE)


class TestWindowRoutes(RouteTestCase):
    """A window over HTTP: leased by ``pop``, run by ``process``, reported by ``report``."""

    def setUp(self):
        super(TestWindowRoutes, self).setUp()
        ploneapi.portal.set_registry_record("senaite.queue.window_tasks", 10)
        transaction.commit()

    def queue_tasks(self, *specs):
        """Queue a task for each (name, username) of ``specs``, in that order."""
        for index, (name, username) in enumerate(specs):
            self.add_task(name, uids=[self.new_uid()], username=username, min_seconds=0,
                          priority=-1000 + index)

    def pop(self, max_tasks):
        data = self.assertOK(self.call("POST", protocol.POP, {
            "consumer_id": CONSUMER, "max_tasks": max_tasks}, token_user="queue_consumer"))
        self.assertEqual(data["task"], data["tasks"][0] if data["tasks"] else None)
        return data["tasks"]

    def process(self, tasks):
        return self.call("POST", protocol.PROCESS, {
            "tasks": [{"task_uid": task["task_uid"], "attempt": task["attempt"]}
                      for task in tasks], "consumer_id": CONSUMER},
            token_user="queue_consumer")

    def report(self, outcomes, **kw):
        return self.assertOK(self.call("POST", protocol.REPORT, dict(kw, outcomes=outcomes),
                                       token_user="queue_consumer"))

    def test_each_task_runs_as_its_user_and_the_window_commits_once(self):
        users = ["labmanager", "labclerk", "analyst"]
        self.queue_tasks(*[("queue_test_record", user) for user in users])
        tasks = self.pop(5)
        self.assertEqual([task["username"] for task in tasks], users)
        answer = self.assertOK(self.process(tasks))
        self.assertEqual([item["outcome"] for item in answer["outcomes"]], ["done"] * 3)
        self.assertEqual(answer["wait"], 0)
        runners = get_runners(self.portal)
        self.assertEqual([runners.get(task["task_uid"]) for task in tasks], users)
        # committed with a receipt each; still leased until the report
        for task in tasks:
            stored = self.queue._records[task["task_uid"]]
            self.assertEqual(stored.receipt, task["attempt"])
            self.assertEqual(stored.data["status"], "running")
        done = self.queue.counts()["done"]
        data = self.report(answer["outcomes"], consumer_id=CONSUMER, max_tasks=5)
        self.assertEqual(data["next"], [])
        self.assertEqual([item["task_uid"] for item in data["items"]],
                         [task["task_uid"] for task in tasks])
        self.assertEqual(self.queue.counts()["done"], done + 3)
        self.assertEqual([get_runs(self.portal).get(task["task_uid"]) for task in tasks],
                         [1, 1, 1])

    def test_a_failing_task_is_rolled_back_alone(self):
        self.queue_tasks(("queue_test_record", "labmanager"),
                         ("queue_test_write_raise", "labmanager"),
                         ("queue_test_record", "labclerk"))
        tasks = self.pop(3)
        answer = self.assertOK(self.process(tasks))
        outcomes = answer["outcomes"]
        self.assertEqual([item["outcome"] for item in outcomes], ["done", "fail", "done"])
        self.assertEqual(outcomes[1]["error_message"],
                         "RuntimeError: Failure after writing, on purpose")
        effects = get_effects(self.portal)
        self.assertEqual([effects.get(task["uids"][0]) for task in tasks], [1, None, 1])
        retries = self.queue.get_task(tasks[1]["task_uid"]).retries
        self.report(outcomes)
        failed = self.queue.get_task(tasks[1]["task_uid"])
        self.assertEqual((failed.status, failed.retries), ("queued", retries - 1))
        self.assertEqual(failed.error_message,
                         "RuntimeError: Failure after writing, on purpose")
        self.assertEqual(self.queue.counts()["running"], 0)

    def test_a_conflict_while_a_task_runs_sends_the_whole_window_back(self):
        self.queue_tasks(("queue_test_record", "labmanager"),
                         ("queue_test_write_conflict", "labmanager"))
        tasks = self.pop(2)
        before = self.snapshot()
        response = self.process(tasks)
        self.assertEqual(response.status_code, 503)
        data = self.decode(response)
        self.assertIs(data["conflict"], True)
        self.assertTrue(data["message"].startswith("ReadConflictError on "), data["message"])
        self.assertUnchanged(before)
        self.assertIsNone(get_effects(self.portal).get(tasks[0]["uids"][0]))
        self.report([dict(task_uid=task["task_uid"], attempt=task["attempt"],
                          outcome="conflict", error_message=data["message"])
                     for task in tasks])
        for task in tasks:
            back = self.queue.get_task(task["task_uid"])
            self.assertEqual((back.status, back.conflicts, back.retries),
                             ("queued", 1, task["retries"]))

    def test_a_conflict_at_the_commit_runs_the_window_again_contended(self):
        self.queue_tasks(("queue_test_commit_conflict", "labmanager"),
                         ("queue_test_record", "labclerk"))
        tasks = self.pop(2)
        # the object the first task writes, and a user edits as the window commits
        get_hot(tasks[0]["uids"][0], self.portal)
        transaction.commit()
        answer = self.assertOK(self.process(tasks))
        # ZPublisher ran the request again after the conflict: contended, the window ran
        # its first task alone, and its consumer waits
        self.assertEqual([item["outcome"] for item in answer["outcomes"]],
                         ["done", "release"])
        self.assertEqual(answer["wait"], CONTENDED_PAUSE)
        self.assertEqual(get_runs(self.portal).get(tasks[0]["task_uid"]), 1)
        self.assertEqual(get_hot(tasks[0]["uids"][0], self.portal)["task"], 1)
        self.assertIsNone(get_runs(self.portal).get(tasks[1]["task_uid"]))
        data = self.report(answer["outcomes"], consumer_id=CONSUMER, max_tasks=2)
        # the released task is leased again at once, with its retries
        self.assertEqual([task["task_uid"] for task in data["next"]], [tasks[1]["task_uid"]])
        self.assertEqual(data["next"][0]["attempt"], 2)
        self.assertEqual(data["next"][0]["retries"], tasks[1]["retries"])

    def test_stale_outcomes_are_refused_alone(self):
        self.queue_tasks(("queue_test_record", "labmanager"),
                         ("queue_test_record", "labmanager"))
        tasks = self.pop(2)
        data = self.report([
            dict(task_uid=tasks[0]["task_uid"], attempt=tasks[0]["attempt"] + 1,
                 outcome="done"),
            dict(task_uid=tasks[1]["task_uid"], attempt=tasks[1]["attempt"],
                 outcome="release")])
        refused, released = data["items"]
        self.assertEqual((refused["refused"], refused["status"]), (True, 409))
        self.assertIn("attempt", refused["message"])
        self.assertEqual(released["status"], "queued")
        self.assertNotIn("refused", released)
        self.assertEqual(self.queue.get_task(tasks[0]["task_uid"]).status, "running")

    def test_bad_windows_are_refused(self):
        self.queue_tasks(("queue_test_record", "labmanager"))
        task = self.pop(1)[0]
        lease = {"task_uid": task["task_uid"], "attempt": task["attempt"]}
        before = self.snapshot()
        for payload, detail in (
                ({"tasks": []}, "'tasks' must be a list of 1 to 500 leases"),
                ({"tasks": {}}, "'tasks' must be a list"),
                ({"tasks": [lease, lease]}, "twice in 'tasks'"),
                ({"tasks": [{"task_uid": task["task_uid"]}]}, "'attempt'")):
            self.assertRefused(before, self.call("POST", protocol.PROCESS, payload,
                                                 token_user="queue_consumer"), 400, detail)
        # a window is the consumer's: a user without "Manage Bika" may not run one
        self.assertRefused(before, self.call("POST", protocol.PROCESS, {"tasks": [lease]},
                                             token_user="analyst"), 403)
        for payload, detail in (
                ({"outcomes": [dict(lease, outcome="won")]}, "Unknown outcome"),
                ({"outcomes": [dict(lease, outcome="done")], "max_tasks": 0}, "max_tasks"),
                ({"outcomes": "done"}, "'outcomes' must be a list")):
            self.assertRefused(before, self.call("POST", protocol.REPORT, payload,
                                                 token_user="queue_consumer"), 400, detail)
        self.assertRefused(before, self.call("POST", protocol.POP, {
            "consumer_id": CONSUMER, "max_tasks": 501}, token_user="queue_consumer"), 400,
            "'max_tasks' must be an integer from 1 to 500")
        self.assertEqual(get_runs(self.portal).get(task["task_uid"]), None)
