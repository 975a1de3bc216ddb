# -*- coding: utf-8 -*-
"""The browser tests' lab: SENAITE data made by the test-only view ``queue-test-senaite``
on a cluster of ``senaite.queue.tests.e2e.cluster``, and its consumers paused or running.

Pausing freezes the consumer processes (SIGSTOP), so what a test queues stays queued (and
shown so) for as long as the test looks at it; resuming lets them go on (SIGCONT, or starts
them the first time) and has them look for work at once. Nothing depends on how fast the
cluster is, and a pause costs no restart of a Zope process.
"""

import json

from senaite.queue.tests.e2e.cluster import API
from senaite.queue.tests.e2e.cluster import until

PASSWORD = "browser-secret-1"
LAB_MANAGER = "browser_labmanager"
LAB_CLERK = "browser_labclerk"
ANALYST = "browser_analyst"
SERVICES = 5


def drained(status):
    return status["queued"] == 0 and status["running"] == 0


class Lab(object):
    """SENAITE data and queue control on ``cluster``, whose consumers are ``consumers``."""

    # what the consumer processes do: not started, frozen, running
    STOPPED, FROZEN, RUNNING = "stopped", "frozen", "running"

    def __init__(self, cluster, consumers=STOPPED):
        self.cluster = cluster
        self.consumers = consumers

    def senaite(self, action, **kw):
        """A command of the test-only view ``queue-test-senaite`` (see tests/views.py)."""
        kw["action"] = action
        response = self.cluster.http.post(
            "{}/queue-test-senaite".format(self.cluster.site_url("client1")),
            data=json.dumps(kw), auth=self.cluster.auth, timeout=600,
            headers={"Content-Type": "application/json"})
        response.raise_for_status()
        return response.json()

    def setup(self):
        """A client, analysis services and the users: a lab manager, a lab clerk and an
        analyst, with ``PASSWORD``."""
        return self.senaite("lab", services=SERVICES, username=LAB_MANAGER, password=PASSWORD,
                            users={LAB_CLERK: "LabClerks", ANALYST: "Analysts"})

    def samples(self, count):
        """``count`` received samples, each with an analysis of every service:
        ``{"analyses": [uid...], "samples": [{"uid": ..., "id": ...}...]}``."""
        return self.senaite("samples", count=count)

    def worksheet(self, analyses=None, analyst=LAB_MANAGER):
        """A new worksheet, with ``analyses`` assigned at once (not through the queue)."""
        return self.senaite("worksheet", analyses=analyses or [], analyst=analyst)

    def worksheet_info(self, uid):
        return self.senaite("worksheet_info", uid=uid)

    def analyses_info(self, uids):
        return self.senaite("analyses_info", uids=list(uids))

    def settings(self, **values):
        return self.senaite("settings", values=values)

    # -- the queue --------------------------------------------------------

    @property
    def server_url(self):
        return self.cluster.site_url("queue_server")

    def status(self):
        return self.cluster.status()

    def add_tasks(self, specs):
        """Queues tasks through the Python API, as the reserved user; their uids."""
        return self.cluster.add_tasks(specs)

    def task(self, task_uid):
        """The task's JSON from the queue server, or None when there is no such task."""
        response = self.cluster.http.get("{}/{}/queue_server/{}".format(
            self.server_url, API, task_uid), auth=self.cluster.auth, timeout=60)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def delete_task(self, task_uid):
        """Removes a task through the JSON API; quietly, when it is gone already."""
        response = self.cluster.http.post(
            "{}/{}/queue_server/delete".format(self.server_url, API),
            data=json.dumps({"task_uid": task_uid}), auth=self.cluster.auth, timeout=60,
            headers={"Content-Type": "application/json"})
        if response.status_code != 404:
            response.raise_for_status()

    def wait(self, predicate, message, seconds=600):
        """Until ``predicate(status)`` holds for the queue's status; that status."""
        try:
            return until(self.status, predicate, seconds, step=0.5)
        except AssertionError as error:
            raise AssertionError("Timed out waiting for {}: {}".format(message, error))

    def wait_drained(self, seconds=600):
        return self.wait(drained, "the queue to drain", seconds)

    # -- consumers ---------------------------------------------------------


    def pause(self):
        """Freezes the consumers. Tasks already given to a consumer are waited for first,
        so that none is left running, and every consumer is idle when it stops."""
        if self.consumers != self.RUNNING:
            return
        self.wait(drained, "the consumers to finish their tasks")
        for part in self.cluster.consumers:
            self.cluster.freeze(part)
        self.consumers = self.FROZEN

    def resume(self):
        """Lets the consumers go on (starts them the first time) and has them look for
        work now."""
        if self.consumers == self.RUNNING:
            return
        if self.consumers == self.FROZEN:
            self.thaw_consumers()
        else:
            for part in self.cluster.consumers:
                self.cluster.start(part)
            for part in self.cluster.consumers:
                self.cluster.wait_http(part, seconds=300)
        self.consumers = self.RUNNING
        self.cluster.kick_consumers()

    def thaw_consumers(self):
        for part in self.cluster.consumers:
            self.cluster.thaw(part)

    def release(self):
        """Lets frozen consumers go on, without waiting for them: a frozen process could
        not be stopped."""
        if self.consumers == self.FROZEN:
            self.thaw_consumers()
            self.consumers = self.RUNNING
