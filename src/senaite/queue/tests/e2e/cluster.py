# -*- coding: utf-8 -*-
"""A real senaite.queue cluster for the end-to-end tests and benchmarks.

It is built by the project's own buildout into a folder of its own, on free ports: a ZEO
server, the user client ``client1``, the ``queue_server`` and ``consumers`` reserved consumer
clients with a short clock period. The site is created and configured by the same script
``make run`` uses. Every process runs in the foreground in a process group of its own, so it
can be stopped, or killed with SIGKILL, and nothing outlives ``stop_all``; a Zope client may
also be run as ``bin/<part> start`` runs it (zdaemon), and is then stopped with
``bin/<part> stop``.

With ``storage="postgresql"`` the clients use RelStorage (the project's ``postgresql.cfg``) on a
throw-away PostgreSQL server in the folder's ``postgresql`` subfolder, on a free port, run by
``scripts/postgresql`` (as the ``postgres`` user when the tests run as root) instead of the ZEO
server. The database server's part is ``cluster.database``; ``start``, ``stop``, ``kill`` and
``wait_port`` take either name of a database server (``zeoserver`` or ``postgresql``) for the
one the cluster runs, so scenarios written for one storage run on the other.
"""

import json
import os
import signal
import socket
import subprocess
import time

import requests
from six.moves.configparser import RawConfigParser

SITE_ID = "senaite"
API = "@@API/senaite/v1"
TESTING_ZCML = '<include package="senaite.queue.tests" file="testing.zcml" />'
STORAGES = {"zeo": ("zeoserver", "buildout.cfg"), "postgresql": ("postgresql", "postgresql.cfg")}
DATABASES = ("zeoserver", "postgresql")
# the lines of build.out a failed build step shows
BUILD_LOG_TAIL = 40
# zodbpack's configuration: the clients' storage (postgresql.cfg), with a blob cache of its own
ZODBPACK_CONF = """%import relstorage
<relstorage>
    keep-history false
    shared-blob-dir false
    blob-dir {blob_dir}
    <postgresql>
        dsn dbname=zodb user=zodb host={run} port={port}
    </postgresql>
</relstorage>
"""


def project_dir():
    path = os.path.dirname(os.path.abspath(__file__))
    while not os.path.exists(os.path.join(path, "buildout.cfg")):
        parent = os.path.dirname(path)
        if parent == path:
            raise RuntimeError("No buildout.cfg above {}".format(__file__))
        path = parent
    return path


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class Cluster(object):
    """Build, start, stop and kill the processes of a test cluster in ``workdir``."""

    def __init__(self, workdir, consumers=2, clock_period=1, testing=True, storage="zeo"):
        self.root = project_dir()
        self.workdir = workdir
        self.storage = storage
        self.database, self.buildout_cfg = STORAGES[storage]
        self.consumers = ["queue_consumer"] + [
            "queue_consumer{}".format(i) for i in range(2, consumers + 1)]
        self.clock_period = clock_period
        self.testing = testing
        self.ports = dict((part, free_port()) for part in
                          [self.database, "client1", "queue_server"] + self.consumers)
        self.processes = {}
        # parts run by zdaemon (bin/<part> start)
        self.daemons = set()
        local = RawConfigParser()
        local.read(os.path.join(self.root, "local.cfg"))
        self.local = dict(local.items("local"))
        self.http = requests.Session()

    # -- build --------------------------------------------------------------

    def config(self):
        lines = [
            "[buildout]",
            "extends = {}".format(os.path.join(self.root, self.buildout_cfg)),
            "parts = {} client1 queue_server {}".format(
                "zeoserver" if self.storage == "zeo" else "", " ".join(self.consumers)),
            "",
            "[ports]",
        ]
        lines += ["{} = {}".format(part, port) for part, port in sorted(self.ports.items())]
        if self.storage == "postgresql":
            lines += ["", "[postgresql]", "directory = {}".format(self.pg_dir),
                      "port = {}".format(self.ports["postgresql"])]
        lines += ["", "[clock]", "period = {}".format(self.clock_period), ""]
        if self.testing:
            lines += ["[client_base]", "zcml-additional =", "    <configure xmlns=\""
                      "http://namespaces.zope.org/zope\">{}</configure>".format(TESTING_ZCML),
                      ""]
        for part in self.consumers[1:]:
            lines += [
                "[{}]".format(part),
                "<= queue_consumer",
                "http-address = 127.0.0.1:{}".format(self.ports[part]),
                "zope-conf-additional =",
                "    <clock-server>",
                "        method /{}/queue_consume".format(SITE_ID),
                "        period ${clock:period}",
                "        user ${local:consumer-user}",
                "        password ${local:consumer-password}",
                "        host localhost:{}".format(self.ports[part]),
                "    </clock-server>",
                "",
            ]
        return "\n".join(lines)

    def build(self):
        """Run buildout for this cluster and create its site."""
        self.buildout()
        self.create_site()

    def buildout(self):
        """Run buildout for this cluster."""
        os.makedirs(os.path.join(self.workdir, "downloads"))
        path = os.path.join(self.workdir, "cluster.cfg")
        with open(path, "w") as config:
            config.write(self.config())
        buildout = os.path.join(self.root, ".venv", "bin", "buildout")
        self.check_call([buildout, "-q", "-c", path])

    def create_site(self):
        """Start the database server and create the site, as ``make run`` does.

        ``client1`` wrote the admin user of its ``inituser`` file into the database then
        (see ``start_clients``); the other clients' files name the same user, so they are
        removed: the clients then all start at once.
        """
        self.start(self.database)
        self.wait_port(self.database)
        self.check_call([self.script("client1"), "run",
                         os.path.join(self.root, "scripts", "setup_site.py"),
                         SITE_ID, self.site_url("queue_server"),
                         os.path.join(self.root, "local.cfg")])
        for part in ["queue_server"] + self.consumers:
            inituser = os.path.join(self.workdir, "parts", part, "inituser")
            if os.path.exists(inituser):
                os.remove(inituser)

    def check_call(self, command):
        """Run ``command`` with its output in ``build.out``; if it fails, say how it ended."""
        with open(self.log_path("build"), "a") as log:
            status = subprocess.call(command, cwd=self.workdir, stdout=log, stderr=log)
        if status:
            with open(self.log_path("build")) as log:
                tail = log.readlines()[-BUILD_LOG_TAIL:]
            raise RuntimeError("{} exited with {}; the end of its output:\n{}".format(
                " ".join(command), status, "".join(tail)))

    # -- processes ----------------------------------------------------------

    def script(self, part):
        return os.path.join(self.workdir, "bin", part)

    def log_path(self, name):
        return os.path.join(self.workdir, "{}.out".format(name))

    def event_log_path(self, part):
        """The event log of the Zope process ``part``."""
        return os.path.join(self.workdir, "var", "log", "{}.log".format(part))

    def log_text(self, part):
        """The event log of the Zope process ``part`` so far."""
        with open(self.event_log_path(part)) as log:
            return log.read()

    def start(self, part, daemon=False):
        """Start ``part`` in the foreground, or with ``daemon`` as ``bin/<part> start``."""
        if part in DATABASES and self.storage == "postgresql":
            return self.postgresql("start", str(self.ports["postgresql"]))
        part = self.database if part in DATABASES else part
        if daemon:
            # stop_all stops it, even if it fails to start as it should
            self.daemons.add(part)
            self.check_call([self.script(part), "start"])
            return
        command = [self.script(part), "fg" if part == "zeoserver" else "console"]
        log = open(self.log_path(part), "a")
        self.processes[part] = subprocess.Popen(
            command, cwd=self.workdir, stdout=log, stderr=log, preexec_fn=os.setsid)
        log.close()

    def start_all(self):
        """Start the Zope clients (see ``start_clients``) and wait until they answer."""
        start_clients(self.workdir, ["client1", "queue_server"] + self.consumers, self.start,
                      self.wait_http)

    def signal(self, part, signum):
        if part in DATABASES and self.storage == "postgresql":
            # a fast shutdown, or an immediate one as a crash would (recovery on start)
            return self.postgresql("crash" if signum == signal.SIGKILL else "stop")
        part = self.database if part in DATABASES else part
        process = self.processes.pop(part, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signum)
        except OSError:
            pass
        process.wait()

    def kill(self, part):
        """SIGKILL, as a crash would."""
        self.signal(part, signal.SIGKILL)

    def freeze(self, part):
        """Stop the Zope process ``part`` where it is (SIGSTOP), until ``thaw``."""
        self.signal_zope(part, signal.SIGSTOP)

    def thaw(self, part):
        """Let a frozen process go on (SIGCONT)."""
        self.signal_zope(part, signal.SIGCONT)

    def signal_zope(self, part, signum):
        """Send a signal to the Zope process ``part``, run in the foreground or by zdaemon
        (whose pid file names it)."""
        if part in self.daemons:
            with open(os.path.join(self.workdir, "var", "{}.pid".format(part))) as pid:
                os.kill(int(pid.read().strip()), signum)
        else:
            os.killpg(self.processes[part].pid, signum)

    def stop(self, part):
        """SIGTERM; ``bin/<part> stop`` for a part run by zdaemon."""
        if part in self.daemons:
            self.daemons.discard(part)
            self.check_call([self.script(part), "stop"])
            return
        self.signal(part, signal.SIGTERM)

    def daemon_status(self, part):
        """What ``bin/<part> status`` says."""
        process = subprocess.Popen([self.script(part), "status"], cwd=self.workdir,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return process.communicate()[0].decode("utf-8")

    def stop_all(self):
        for part in list(self.processes) + list(self.daemons):
            if part != "zeoserver":
                try:
                    self.stop(part)
                except subprocess.CalledProcessError:
                    pass
        self.stop("zeoserver")
        self.http.close()

    def wait_port(self, part, seconds=60):
        part = self.database if part in DATABASES else part
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if part == "postgresql":
                    # PostgreSQL listens on its Unix socket only
                    sock = socket.socket(socket.AF_UNIX)
                    sock.settimeout(1)
                    sock.connect(os.path.join(self.pg_dir, "run", ".s.PGSQL.{}".format(
                        self.ports[part])))
                    sock.close()
                    return
                socket.create_connection(("127.0.0.1", self.ports[part]), 1).close()
                return
            except socket.error:
                time.sleep(0.2)
        raise RuntimeError("{} does not listen on {}".format(part, self.ports[part]))

    def wait_http(self, part, seconds=600):
        """Until ``part`` answers its site's JSON API; fails at once when it exits."""
        deadline = time.time() + seconds
        url = "{}/{}/version".format(self.site_url(part), API)
        process = self.processes.get(part)
        while time.time() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError("{} exited; its output ends with:\n{}".format(
                    part, self.tail(part)))
            try:
                if requests.get(url, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError("{} does not answer at {}".format(part, url))

    def tail(self, part, size=3000):
        """The end of what the process ``part`` printed."""
        try:
            with open(self.log_path(part)) as log:
                return log.read()[-size:]
        except IOError:
            return ""

    # -- PostgreSQL -----------------------------------------------------------

    @property
    def pg_dir(self):
        """The folder of the throw-away PostgreSQL server (data, socket, log)."""
        return os.path.join(self.workdir, "postgresql")

    def postgresql(self, command, *args):
        """``scripts/postgresql command`` on this cluster's PostgreSQL server."""
        if command == "start" and not os.path.isdir(self.pg_dir):
            # PostgreSQL runs as its own user when we are root: let it through to its folder
            os.chmod(self.workdir, 0o711)
        self.check_call([os.path.join(self.root, "scripts", "postgresql"), command,
                         self.pg_dir] + list(args))

    def psql(self, sql):
        """The rows of ``sql`` on the cluster's database, as tab-separated lines."""
        process = subprocess.Popen(
            [os.path.join(self.root, "scripts", "postgresql"), "psql", self.pg_dir,
             str(self.ports["postgresql"]), "-tAq", "-c", sql],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = process.communicate()
        if process.returncode:
            raise RuntimeError("psql {}: {}".format(sql, err))
        return out.decode("utf-8").strip()

    # -- the database -----------------------------------------------------------

    def database_size(self):
        """Bytes the database takes on disk: ZEO's Data.fs, or PostgreSQL's database (its
        tables and indexes, dead rows included)."""
        if self.storage == "postgresql":
            return int(self.psql("SELECT pg_database_size(current_database())"))
        return os.path.getsize(os.path.join(self.workdir, "var", "filestorage", "Data.fs"))

    def object_count(self):
        """How many objects the PostgreSQL database stores (history-free: one row each)."""
        return int(self.psql("SELECT count(*) FROM object_state"))

    def live_bytes(self):
        """The bytes of the objects the PostgreSQL database stores, without the dead rows
        that PostgreSQL's (auto)vacuum reclaims."""
        return int(self.psql("SELECT coalesce(sum(octet_length(state)), 0) FROM object_state"))

    def pack(self):
        """Pack the database to now while the cluster runs, as an administrator does:
        ``bin/zeopack -D 0`` on ZEO, ``zodbpack -d 0`` on RelStorage (history-free: it
        removes the objects nothing refers to any more)."""
        if self.storage == "zeo":
            return self.check_call([self.script("zeopack"), "-D", "0"])
        path = os.path.join(self.workdir, "zodbpack.conf")
        with open(path, "w") as config:
            config.write(ZODBPACK_CONF.format(
                blob_dir=os.path.join(self.workdir, "var", "blobcache-pack"),
                run=os.path.join(self.pg_dir, "run"), port=self.ports["postgresql"]))
        self.check_call([os.path.join(self.root, ".venv", "bin", "zodbpack"), "-d", "0",
                         path])

    # -- talking to the site --------------------------------------------------

    def site_url(self, part):
        return "http://localhost:{}/{}".format(self.ports[part], SITE_ID)

    @property
    def auth(self):
        """The reserved user: a SENAITE user with "Manage Bika"."""
        return self.local["consumer-user"], self.local["consumer-password"]

    def kick(self, part):
        """Do what the clock-server does on a tick, now: make sure the worker runs."""
        response = self.http.get("{}/queue_consume".format(self.site_url(part)),
                                 auth=self.auth, timeout=30)
        response.raise_for_status()
        return response.text

    def kick_consumers(self):
        for part in self.consumers:
            until(lambda: self.kick(part), lambda text: text.startswith("Consumer"), 60)

    def add_tasks(self, specs, part="client1"):
        """Queue tasks through the Python API on a client; their task uids."""
        response = self.http.post("{}/queue-test-add".format(self.site_url(part)),
                                  data=json.dumps(specs), auth=self.auth, timeout=120,
                                  headers={"Content-Type": "application/json"})
        response.raise_for_status()
        return response.json()

    def touch(self, uid, part="client1"):
        """A user's edit of a made-up object that tasks of ``queue_test_hot`` write too."""
        response = self.http.post("{}/queue-test-touch".format(self.site_url(part)),
                                  data={"uid": uid}, auth=self.auth, timeout=60)
        response.raise_for_status()
        return response.json()

    def effects(self, part="client1"):
        response = self.http.get("{}/queue-test-effects".format(self.site_url(part)),
                                 auth=self.auth, timeout=30)
        response.raise_for_status()
        return response.json()

    def status(self, part="client1"):
        """The queue's statistics, as a client reads them from the database."""
        response = self.http.get("{}/{}/queue_server/status".format(self.site_url(part), API),
                                  auth=self.auth, timeout=30)
        response.raise_for_status()
        return response.json()

    def state(self, uids, part="client1"):
        """The queue's status on ``part``, whether the reserved user's work is queued there,
        and whether each object of ``uids`` is queued, as ``part`` sees it."""
        response = self.http.post("{}/queue-test-state".format(self.site_url(part)),
                                  data=json.dumps(uids), auth=self.auth, timeout=30,
                                  headers={"Content-Type": "application/json"})
        response.raise_for_status()
        return response.json()

    def worker(self, part):
        """The worker of ``part`` (``name`` is None when it has none)."""
        response = self.http.get("{}/queue-test-worker".format(self.site_url(part)),
                                 auth=self.auth, timeout=30)
        response.raise_for_status()
        return response.json()

    def page(self, path, part="client1"):
        """The HTML of a page of the site, as the reserved user sees it."""
        response = self.http.get("{}/{}".format(self.site_url(part), path), auth=self.auth,
                                 timeout=60)
        response.raise_for_status()
        return response.text

    def tasks(self, status=None, part="queue_server"):
        """Complete JSON of the tasks with ``status`` (of every status: one snapshot), from
        the queue server."""
        url = "{}/{}/queue_server/tasks{}".format(
            self.site_url(part), API, "/{}".format(status) if status else "")
        response = self.http.get(url, params={"complete": "1"}, auth=self.auth, timeout=30)
        response.raise_for_status()
        return response.json()["items"]

    def gate(self, name):
        """The path of a gate of the test adapter ``queue_test_gate``: its runs wait until
        the test creates the file (``open_gate``)."""
        return os.path.join(self.workdir, "gate-{}".format(name))

    def open_gate(self, gate):
        open(gate, "w").close()

    def wait_held(self, gate, seconds=120):
        """Until a run is held at the gate."""
        until(lambda: os.path.exists(gate + ".held"), bool, seconds, step=0.1,
              message="No run is held at {}".format(gate))

    def wait(self, predicate, seconds, step=0.5):
        """Poll ``predicate(status)`` until it is true; the last status."""
        return until(lambda: self.status(), predicate, seconds, step)


def start_clients(workdir, parts, start, wait_http):
    """Start the Zope clients ``parts`` of the buildout in ``workdir`` with ``start(part)``;
    return once ``wait_http(part)`` returned for each of them.

    At its first start a Zope client writes the admin user of its ``inituser`` file into the
    user folder of the Zope root (and removes the file), and two first starts at once write
    that one object: one of them stops with a ConflictError. So a client that still has the
    file starts alone, and answers before the next one starts; the others start together.
    """
    later = []
    for part in parts:
        if os.path.exists(os.path.join(workdir, "parts", part, "inituser")):
            start(part)
            wait_http(part)
        else:
            later.append(part)
    for part in later:
        start(part)
    for part in later:
        wait_http(part)


def until(probe, predicate, seconds, step=0.5, message="Timed out"):
    """Call ``probe()`` until ``predicate`` holds for its result; return that result."""
    deadline = time.time() + seconds
    while True:
        result = probe()
        if predicate(result):
            return result
        if time.time() > deadline:
            raise AssertionError("{} after {} s; last: {}".format(
                message, seconds, json.dumps(result, sort_keys=True, default=repr)))
        time.sleep(step)
