# -*- coding: utf-8 -*-
"""Benchmark on a real cluster: a bulk action while lab users keep working.

Builds a cluster like ``make test-e2e`` does (ZEO server, the users' client, queue server,
consumers, on free ports) and creates, through a test-only view, a client with the contacts
of a bulk action (200 by default), other contacts and lab users (lab clerks). Simulated
users (threads, real HTTP to the users' client, basic auth) keep working at a total rate:

- senaite.jsonapi updates (``@@API/senaite/v1/update``) of a contact's phone fields;
- workflow actions on other contacts of the client, each user toggling contacts of its own:
  SENAITE's ``workflow_action`` form post (with the page's CSRF token) and a senaite.jsonapi
  ``update`` with a ``transition``.

Case (i): the phone edits go to other contacts of the same client. Case (ii): they go to the
very contacts the bulk action deactivates. In each case, first the users work alone (the
idle baseline); then a lab manager deactivates the bulk contacts, in three ways:

- (a) synchronously: a form post to the client's ``workflow_action`` with
  ``workflow_action=deactivate`` and the contacts' UIDs, without the queue;
- (b) through the queue, default settings (minimum 3 s per task);
- (c) through the queue with "Minimum seconds per task" 0.

For the queue, the lab manager queues the action with ``api.add_action_task(uids,
"deactivate", context=client)`` (a test-only view). The users keep working until the bulk
action is complete. Between runs the contacts are activated again. For each run it prints
the users' requests, failed ones (HTTP 5xx; ConflictErrors among them) and refused ones
(4xx), the users' p50/p95 latency, the conflicts ZPublisher retried (the "ConflictError at"
lines of the ``ZPublisher.Conflict`` logger in the processes' logs), the conflicts tasks
lost after those retries (reported to the queue server), tasks that failed, and how many
contacts the bulk action deactivated and when it was complete.

Run it with the project's Python 2.7: ``.venv/bin/python bench/contention.py``. The numbers
depend on the machine: every process of the cluster and the simulated users share its
cores.
"""

from __future__ import print_function

import json
import os
import random
import re
import sys
import threading
import time

import requests
from harness import cluster_for  # first: it puts the package on sys.path
from harness import parser
from senaite.queue.tests.e2e.cluster import API
from senaite.queue.tests.e2e.lab import authenticator
from senaite.queue.tests.e2e.lab import senaite

MANAGER = "bench_labmanager"
PASSWORD = "bench-secret-1"
CONTACTS_PER_CALL = 50
TOGGLES_PER_USER = 4
# What ZPublisher logs (logger ZPublisher.Conflict, level INFO) when it retries a request
CONFLICT_LINE = re.compile(r"ZPublisher\.Conflict \w*ConflictError at (\S+)")
MODES = [
    ("a", "synchronous, one request"),
    ("b", "queue, min. 3 s per task (default)"),
    ("c", "queue, min. 0 s per task"),
]
CASES = [
    ("i", "users edit other contacts of the client"),
    ("ii", "users edit the contacts the bulk action deactivates"),
]


def percentile(values, fraction):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def succeeded(response):
    """Whether a senaite.jsonapi answer says it succeeded."""
    try:
        return response.json().get("success", True) is not False
    except ValueError:
        return False


class Lab(object):
    """What the runs share: the site, the client, its contacts and the users."""

    def __init__(self, cluster, args):
        self.cluster = cluster
        self.site_url = cluster.site_url("client1")
        self.users = ["bench_user{}".format(index) for index in range(1, args.users + 1)]
        info = senaite(cluster, "lab", username=MANAGER, password=PASSWORD,
                       users=dict((user, "LabClerks") for user in self.users))
        self.client_uid = info["client_uid"]
        self.bulk = self.contacts(args.contacts, "Bulk")
        self.others = self.contacts(max(args.users * TOGGLES_PER_USER, 40), "Other")
        self.manager = requests.Session()
        self.manager.auth = (MANAGER, PASSWORD)
        self.client_url = senaite(cluster, "queue_deactivate", uids=[],
                                  client_uid=self.client_uid)["url"]
        self.manager_token = authenticator(self.manager, self.client_url + "/contacts")

    def contacts(self, count, tag):
        uids = []
        while len(uids) < count:
            uids += senaite(self.cluster, "contacts", tag=tag, client_uid=self.client_uid,
                            count=min(CONTACTS_PER_CALL, count - len(uids)))["uids"]
        return uids

    def state(self, uids=None):
        return senaite(self.cluster, "contacts_state", uids=uids or self.bulk)

    def reset(self):
        """Every contact active again."""
        senaite(self.cluster, "activate", uids=self.bulk + self.others)


class User(threading.Thread):
    """A lab user: a request every ``period`` seconds (back to back when late)."""

    def __init__(self, lab, username, index, edit_uids, period, actions):
        super(User, self).__init__(name=username)
        self.daemon = True
        self.lab = lab
        self.session = requests.Session()
        self.session.auth = (username, PASSWORD)
        self.token = authenticator(self.session, lab.client_url + "/contacts")
        self.edit_uids = edit_uids
        own = lab.others[index * TOGGLES_PER_USER:(index + 1) * TOGGLES_PER_USER]
        self.toggles = dict((uid, True) for uid in own)
        self.period = period
        self.actions = actions
        self.random = random.Random(index)
        self.records = []
        self.stopping = threading.Event()

    def stop(self):
        self.stopping.set()

    def run(self):
        next_at = time.time() + self.random.uniform(0, self.period)
        while not self.stopping.is_set():
            now = time.time()
            if next_at > now:
                self.stopping.wait(next_at - now)
                continue
            next_at = max(next_at + self.period, now)
            self.records.append(self.one_request())
        self.session.close()

    def one_request(self):
        """(started, seconds, kind, status, conflict)"""
        draw = self.random.random()
        started = time.time()
        if draw < self.actions / 2.0:
            kind, response = "form", self.toggle_by_form()
        elif draw < self.actions:
            kind, response = "jsonapi transition", self.toggle_by_jsonapi()
        else:
            kind, response = "jsonapi update", self.edit()
        seconds = time.time() - started
        if response is None:
            return (started, seconds, kind, 599, False)
        status = response.status_code
        if kind != "form" and status == 200 and not succeeded(response):
            # senaite.jsonapi answers some errors with 200 and "success": false
            status = 422
        text = response.text if status >= 400 else ""
        return (started, seconds, kind, status, "ConflictError" in text)

    def post(self, url, **kw):
        try:
            return self.session.post(url, timeout=120, allow_redirects=False, **kw)
        except requests.RequestException:
            return None

    def edit(self):
        uid = self.random.choice(self.edit_uids)
        number = "+41 {:09d}".format(self.random.randint(0, 10 ** 9 - 1))
        return self.post("{}/{}/update".format(self.lab.site_url, API),
                         json={"uid": uid, "BusinessPhone": number, "MobilePhone": number})

    def pick_toggle(self):
        uid = self.random.choice(sorted(self.toggles))
        return uid, "deactivate" if self.toggles[uid] else "activate"

    def toggle_by_form(self):
        uid, transition = self.pick_toggle()
        response = self.post("{}/workflow_action".format(self.lab.client_url), data={
            "_authenticator": self.token, "workflow_action": transition, "uids": uid})
        if response is not None and response.status_code in (301, 302, 303):
            self.toggles[uid] = not self.toggles[uid]
        return response

    def toggle_by_jsonapi(self):
        uid, transition = self.pick_toggle()
        response = self.post("{}/{}/update".format(self.lab.site_url, API),
                             json={"uid": uid, "transition": transition})
        if response is not None and response.status_code == 200:
            if succeeded(response) or "Invalid transition" in response.text:
                # Done, or done before (the user's idea of the state was behind)
                self.toggles[uid] = not self.toggles[uid]
        return response


class Users(object):
    """The simulated lab users of one run."""

    def __init__(self, lab, args, case):
        period = len(lab.users) / float(args.rate)
        edit_uids = lab.bulk if case == "ii" else lab.others
        self.threads = [User(lab, username, index, edit_uids, period, args.actions)
                        for index, username in enumerate(lab.users)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        for thread in self.threads:
            thread.stop()
        for thread in self.threads:
            thread.join(300)

    def records(self, since=0, until=None):
        until = until or time.time() + 3600
        return [record for thread in self.threads for record in thread.records
                if since <= record[0] <= until]


class Logs(object):
    """What the cluster's processes log from a mark on: ZPublisher's conflict retries and the
    consumers' conflict reports."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.parts = ["client1"] + cluster.consumers
        self.offsets = {}

    def path(self, part):
        return self.cluster.event_log_path(part)

    def mark(self):
        self.offsets = dict((part, os.path.getsize(self.path(part))) for part in self.parts)

    def read(self, part):
        with open(self.path(part)) as log:
            log.seek(self.offsets.get(part, 0))
            return log.read()

    def conflicts(self):
        """(retried on the users' client, retried on consumers, lost by tasks)"""
        users = len(CONFLICT_LINE.findall(self.read("client1")))
        consumers = lost = 0
        for part in self.cluster.consumers:
            text = self.read(part)
            consumers += len(CONFLICT_LINE.findall(text))
            lost += text.count("lost a conflict")
        return users, consumers, lost


def drained(status):
    return status["queued"] == 0 and status["running"] == 0


def wait_drained(cluster, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if drained(cluster.status()):
            return True
        time.sleep(0.5)
    return False


def deactivate_now(lab):
    """The lab manager's form post: (seconds, HTTP status)."""
    start = time.time()
    try:
        response = lab.manager.post("{}/workflow_action".format(lab.client_url),
                                    allow_redirects=False, timeout=3600, data={
                                        "_authenticator": lab.manager_token,
                                        "workflow_action": "deactivate",
                                        "uids": lab.bulk})
        status = response.status_code
    except requests.RequestException:
        status = 599
    return time.time() - start, status


def run(cluster, lab, logs, args, case, mode):
    """One bulk action while the users work; a row of the table."""
    lab.reset()
    wait_drained(cluster, 120)
    if mode == "b":
        senaite(cluster, "settings", values={"min_seconds_task": 3})
    elif mode == "c":
        senaite(cluster, "settings", values={"min_seconds_task": 0})
    before = cluster.status()
    users = Users(lab, args, case)
    logs.mark()
    users.start()
    time.sleep(args.warmup)
    start = time.time()
    row = {"mode": mode, "status": None}
    if mode == "a":
        seconds, status = deactivate_now(lab)
        row.update(status=status, request=seconds)
        complete = seconds if status in (301, 302, 303) else None
        state = lab.state()
    else:
        senaite(cluster, "queue_deactivate", auth=(MANAGER, PASSWORD), uids=lab.bulk,
                client_uid=lab.client_uid)
        complete = None
        while time.time() - start < args.timeout:
            time.sleep(args.poll)
            # Ask the queue server (cheap) until the queue is empty, then the users' client
            # whether every contact is inactive
            if not drained(cluster.status(part="queue_server")):
                continue
            checked = time.time()
            state = lab.state()
            if state["inactive"] == len(lab.bulk):
                complete = checked - start
                break
        else:
            state = lab.state()
    end = time.time()
    # Users keep working a little longer than the bulk action, at least ``min_run`` seconds
    time.sleep(max(1.0, args.min_run - (end - start)))
    users.stop()
    records = users.records(since=start)
    users_conflicts, consumer_conflicts, lost = logs.conflicts()
    after = cluster.status()
    latencies = [record[1] for record in records]
    row.update({
        "requests": len(records),
        "seconds": time.time() - start,
        "failed": sum(1 for record in records if record[3] >= 500),
        "conflicts": sum(1 for record in records if record[4]),
        "refused": sum(1 for record in records if 400 <= record[3] < 500),
        "p50": percentile(latencies, 0.5),
        "p95": percentile(latencies, 0.95),
        "retried_users": users_conflicts,
        "retried_consumers": consumer_conflicts,
        "lost": lost,
        "tasks": after["done"] - before["done"],
        "tasks_failed": after["failed"] - before["failed"],
        "deactivated": state["inactive"],
        "by_users": sum(count for actor, count in state["deactivated_by"].items()
                        if actor in lab.users),
        "complete": complete,
    })
    print("  ({}) {}: {}".format(mode, dict(MODES)[mode], json.dumps(row, sort_keys=True)))
    sys.stdout.flush()
    if mode != "a" and not drained(after):
        # Leave nothing behind for the next run
        wait_drained(cluster, args.timeout)
    return row


def baseline(cluster, lab, logs, args, case):
    """The users alone: their p50/p95."""
    lab.reset()
    users = Users(lab, args, case)
    logs.mark()
    users.start()
    time.sleep(args.warmup)
    start = time.time()
    time.sleep(args.baseline)
    users.stop()
    records = users.records(since=start)
    latencies = [record[1] for record in records]
    users_conflicts, _, _ = logs.conflicts()
    row = {"mode": "-", "requests": len(records), "seconds": time.time() - start,
           "failed": sum(1 for record in records if record[3] >= 500),
           "conflicts": sum(1 for record in records if record[4]),
           "refused": sum(1 for record in records if 400 <= record[3] < 500),
           "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
           "retried_users": users_conflicts, "retried_consumers": 0, "lost": 0,
           "tasks": 0, "tasks_failed": 0, "deactivated": None, "by_users": 0,
           "complete": None}
    print("  baseline: {}".format(json.dumps(row, sort_keys=True)))
    sys.stdout.flush()
    return row


def print_table(case, rows, contacts):
    print()
    print("Case ({}): {}".format(case, dict(CASES)[case]))
    header = ["bulk action", "user req.", "req./s", "failed (conflict)", "refused",
              "p50 (s)", "p95 (s)", "retried: users' client", "retried: consumers",
              "lost by tasks", "tasks (failed)", "deactivated", "complete (s)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        label = "idle baseline (no bulk action)" if row["mode"] == "-" else \
            "({}) {}".format(row["mode"], dict(MODES)[row["mode"]])
        if row["deactivated"] is None:
            deactivated = "-"
        else:
            deactivated = "{} of {}".format(row["deactivated"], contacts)
            if row["by_users"]:
                deactivated += " ({} by users)".format(row["by_users"])
        if row["complete"] is not None:
            complete = "{:.1f}".format(row["complete"])
        elif row["mode"] == "a":
            complete = "failed after {:.1f} s (HTTP {})".format(row["request"], row["status"])
        elif row["mode"] == "-":
            complete = "-"
        else:
            complete = "not within {:.0f} s".format(row["seconds"])
        cells = [
            label, str(row["requests"]), "{:.1f}".format(row["requests"] / row["seconds"]),
            "{} ({})".format(row["failed"], row["conflicts"]), str(row["refused"]),
            "{:.2f}".format(row["p50"]), "{:.2f}".format(row["p95"]),
            str(row["retried_users"]), str(row["retried_consumers"]), str(row["lost"]),
            "-" if row["mode"] in ("-", "a") else "{} ({})".format(
                row["tasks"], row["tasks_failed"]),
            deactivated, complete]
        print("| " + " | ".join(cells) + " |")


def main():
    options = parser(__doc__, consumers=2, timeout=900)
    options.add_argument("--contacts", type=int, default=200,
                         help="contacts of the bulk action")
    options.add_argument("--users", type=int, default=4, help="simulated lab users")
    options.add_argument("--rate", type=float, default=20,
                         help="the users' requests per second, in total")
    options.add_argument("--actions", type=float, default=0.2,
                         help="share of the users' requests that are workflow actions")
    options.add_argument("--baseline", type=float, default=20, help="seconds of the baseline")
    options.add_argument("--warmup", type=float, default=2,
                         help="seconds the users work before the bulk action starts")
    options.add_argument("--min-run", type=float, default=10,
                         help="seconds the users work at least after the bulk action starts")
    options.add_argument("--poll", type=float, default=0.5,
                         help="seconds between two looks at the queue while it works")
    options.add_argument("--cases", default="i,ii",
                         help="cases to run, comma-separated (default i,ii)")
    options.add_argument("--modes", default="a,b,c",
                         help="modes of the bulk action to run, comma-separated "
                              "(default a,b,c)")
    args = options.parse_args()

    tables = []
    with cluster_for("contention", args.keep, start=True, consumers=args.consumers,
                     testing=True) as cluster:
        senaite(cluster, "settings", values={"server": cluster.site_url("queue_server")})
        lab = Lab(cluster, args)
        logs = Logs(cluster)
        print("{} users, {:.0f} requests/s in total ({:.0%} workflow actions), {} contacts "
              "to deactivate, {} consumer(s)".format(len(lab.users), args.rate, args.actions,
                                                    len(lab.bulk), args.consumers))
        for case in args.cases.split(","):
            print("Case ({}): {}".format(case, dict(CASES)[case]))
            sys.stdout.flush()
            rows = [baseline(cluster, lab, logs, args, case)]
            for mode in args.modes.split(","):
                rows.append(run(cluster, lab, logs, args, case, mode))
            tables.append((case, rows))
    for case, rows in tables:
        print_table(case, rows, args.contacts)


if __name__ == "__main__":
    main()
