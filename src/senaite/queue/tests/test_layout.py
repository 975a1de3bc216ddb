# -*- coding: utf-8 -*-
"""The package keeps its plan (docs/development.rst, "Where things live"):

- the top level is the package's face: the door (``api/``), the modules every room shares,
  the folders, and three paths older code and existing sites import from;
- only the door, the server and the consumer (besides the engine itself, install and
  upgrade code) reach the site's queue; everything else on the Plone side goes through
  ``senaite.queue.api``;
- the door makes no HTTP call: it imports no HTTP client, only ``client.health``;
- every transition of the queue is applied by ``server/dispatch.py``;
- route names live in ``protocol.py``;
- the door, 1.x's ``senaite.queue.queue`` and the PAS plugin keep their public names, and
  1.x's other paths only re-export from ``compat/``.
"""

import ast
import os
import pickle
import unittest

import six

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The top level: modules, and folders (with a trailing slash)
TOP_LEVEL = (
    "__init__.py", "interfaces.py", "permissions.py", "settings.py", "protocol.py",
    "setuphandlers.py", "testing.py", "configure.zcml", "permissions.zcml",
    # senaite.queue.queue: 1.x's task helpers, re-exported from compat/
    "queue.py",
    # senaite.queue.pasplugin: the class path pickled in every site's acl_users
    "pasplugin.py",
    # senaite.queue.actions: where 1.x's Extend page registers its generic workflow-action
    # adapter from, re-exported from compat/
    "actions.py",
    "adapters/", "api/", "browser/", "client/", "compat/", "consumer/", "core/",
    "locales/", "patches/", "profiles/", "routing/", "server/", "subscribers/", "tests/",
    "upgrade/",
)
# Where the queue may be used directly, relative to the package
ALLOWED = ("api", "setuphandlers.py", "core", "server", "consumer", "upgrade", "tests")
# 1.x's paths outside compat/: they only re-export from it
OLD_PATHS = ("queue.py", "pasplugin.py", "actions.py", os.path.join("adapters", "actions.py"),
             os.path.join("server", "utility.py"), os.path.join("client", "utility.py"))
STORAGE = "senaite.queue.core.storage"
# What the door may not import: HTTP clients, and the client's session
HTTP_CLIENTS = ("requests", "urllib", "urllib2", "urllib3", "httplib", "http",
                "six.moves.urllib", "six.moves.http_client", "senaite.queue.client.session")
# Methods of the queue that only server/dispatch.py calls (pop and add share their names
# with those of dicts and sets)
TRANSITIONS = ("done", "fail", "conflict", "timeout", "purge", "requeue", "delete", "receipt")
DISPATCH = os.path.join("server", "dispatch.py")
ROUTE_GROUPS = ("queue_server", "queue_consumer")


def top_level():
    """The names at the package's top level, folders with a trailing slash."""
    names = []
    for name in os.listdir(PACKAGE):
        if name.endswith((".pyc", ".pyo")) or name == "__pycache__":
            continue
        names.append(name + "/" if os.path.isdir(os.path.join(PACKAGE, name)) else name)
    return sorted(names)


def modules(skip=()):
    """(path relative to the package, source) of every Python module outside ``skip``."""
    for root, dirs, files in os.walk(PACKAGE):
        for name in sorted(files):
            path = os.path.relpath(os.path.join(root, name), PACKAGE)
            if name.endswith(".py") and path.split(os.sep)[0] not in skip:
                with open(os.path.join(root, name)) as source:
                    yield path, source.read()


def uses_of_the_queue(source):
    """What in the source reaches the queue without the API: (line, what)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names
                      if alias.name == STORAGE]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = ["{}.{}".format(module, alias.name) for alias in node.names]
            found += [(node.lineno, name) for name in [module] + names if name == STORAGE]
        elif isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "attr", None) or getattr(func, "id", None)
            if name == "get_task_queue":
                found.append((node.lineno, "get_task_queue()"))
        elif isinstance(node, ast.Name) and node.id == "ITaskQueue":
            found.append((node.lineno, "ITaskQueue"))
    return found


def imports(source):
    """(line, module) of every module the source imports, names imported from included."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, "{}.{}".format(module, alias.name))
                      for alias in node.names]
    return found


def http_clients(source):
    """(line, module) of the HTTP clients the source imports, one per line."""
    found = {}
    for line, module in imports(source):
        if any(module == name or module.startswith(name + ".") for name in HTTP_CLIENTS):
            found.setdefault(line, module)
    return sorted(found.items())


def transitions_called(source):
    """(line, call) of the queue's transitions the source calls, other than through
    ``dispatch``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in TRANSITIONS \
                and getattr(node.func.value, "id", None) != "dispatch":
            found.append((node.lineno, node.func.attr))
    return found


def route_literals(source):
    """(line, text) of the strings in the source that name a queue route; docstrings are
    prose, and left alone."""
    tree = ast.parse(source)
    docstrings = set(id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr))
    found = []
    for node in ast.walk(tree):
        text = getattr(node, "s", None) if type(node).__name__ in ("Str", "Constant") else None
        if not isinstance(text, six.string_types) or id(node) in docstrings:
            continue
        if text in ROUTE_GROUPS or text.startswith(tuple(g + "/" for g in ROUTE_GROUPS)):
            found.append((node.lineno, text))
    return sorted(found)


def offenders(finder, skip=(), only=None, but=()):
    """``path:line what`` of all that ``finder`` finds in the modules outside the folders
    ``skip`` and the paths ``but``; with ``only``, in that folder only."""
    return ["{}:{} {}".format(path, line, what)
            for path, source in modules(skip=skip)
            if path not in but and only in (None, path.split(os.sep)[0])
            for line, what in finder(source)]


def lines(finder, *source):
    """The lines of ``source`` where ``finder`` finds something."""
    return sorted(line for line, _ in finder("\n".join(source)))


# Sources each rule's finder is tried on, and the lines it must find there
EXAMPLES = (
    (uses_of_the_queue, ("from senaite.queue.core.storage import TaskQueue",
                         "from senaite.queue.core import storage",
                         "import senaite.queue.core.storage",
                         "queue = api.get_task_queue()",
                         "queue = queryUtility(ITaskQueue)",
                         "queue = api.get_queue()"), [1, 2, 3, 4, 5]),
    (http_clients, ("import requests",
                    "from six.moves.urllib.request import urlopen",
                    "from senaite.queue.client.session import ping",
                    "from senaite.queue.client import session",
                    "from senaite.queue.client import health"), [1, 2, 3, 4]),
    (transitions_called, ("queue.requeue(uid, retries=3)",
                          "api.get_task_queue().delete(uid)",
                          "own.purge(now)",
                          "dispatch.purge(own, now)",
                          "data.pop(key)"), [1, 2, 3]),
    (route_literals, ('"""queue_server/pop in a docstring is prose."""',
                      'route = "queue_server/pop"',
                      'summary("queue_consumer/process/{}".format(uid))',
                      'group = "queue_server"',
                      'message = "No such queue route"'), [2, 3, 4]),
)


class TestTopLevel(unittest.TestCase):

    def test_the_top_level_is_the_face_only(self):
        self.assertEqual(top_level(), sorted(TOP_LEVEL))

    def test_the_old_paths_only_re_export(self):
        for name in OLD_PATHS:
            with open(os.path.join(PACKAGE, name)) as source:
                tree = ast.parse(source.read())
            kinds = set(type(node).__name__ for node in tree.body[1:])
            self.assertTrue(kinds <= set(["ImportFrom", "Import"]), (name, kinds))


class TestOneDoor(unittest.TestCase):

    def test_only_the_api_server_and_consumer_use_the_queue(self):
        self.assertEqual(offenders(uses_of_the_queue, skip=ALLOWED), [],
                         "Use senaite.queue.api instead")

    def test_the_plone_side_is_looked_at(self):
        paths = [path for path, _ in modules(skip=ALLOWED)]
        for path in (os.path.join("routing", "pasplugin.py"),
                     os.path.join("adapters", "guards.py"),
                     os.path.join("browser", "monitor_actions.py"),
                     os.path.join("compat", "utility.py"),
                     os.path.join("compat", "actions.py")):
            self.assertIn(path, paths)

    def test_the_door_imports_no_http_client(self):
        self.assertIn("api", set(path.split(os.sep)[0] for path, _ in modules()))
        self.assertEqual(offenders(http_clients, only="api"), [], "Ask client.health instead")


class TestOnePath(unittest.TestCase):

    def test_only_dispatch_applies_transitions(self):
        self.assertEqual(offenders(transitions_called, skip=("core", "tests"), but=(DISPATCH, )),
                         [], "Call the transition of server.dispatch")

    def test_route_names_live_in_protocol(self):
        self.assertEqual(offenders(route_literals, skip=("tests", ), but=("protocol.py", )),
                         [], "Use the names of senaite.queue.protocol")


class TestTheRulesFindWhatTheyLookFor(unittest.TestCase):

    def test_examples(self):
        for finder, source, found in EXAMPLES:
            self.assertEqual(lines(finder, *source), found, finder.__name__)


class TestPublicNames(unittest.TestCase):
    """The door, 1.x's module and the PAS plugin keep the names they had."""

    API = (
        "ACTION_TASK_PREFIX", "ASSIGN_TASK", "CONSUMER_MARKER", "CREATE_SAMPLE_TASK",
        "DISABLED", "GENERIC_ACTION_TASK", "LOOKUP_KEY", "QueuedLookup", "READY",
        "REINDEX_SECURITY_TASK", "RESUMING", "add", "add_action_task", "add_assign_task",
        "add_copy", "add_create_sample_task", "add_reindex_obj_security_task", "add_task",
        "can_queue", "database_problem", "delete_task", "done_task", "fail_task", "get_queue",
        "get_queue_status",
        "get_queued_lookup", "get_running_task", "get_secret", "get_server_url",
        "get_site_url", "get_statistics", "get_task", "get_task_queue", "get_tasks",
        "get_tasks_for", "get_uids", "is_consumer_run", "is_installed", "is_queue_enabled",
        "is_queue_ready", "is_queue_server", "is_queued", "is_site_user", "new_copy",
        "new_task", "pop_task",
        "purge_tasks", "queues_sample_creation", "queues_sample_transition", "requeue_task",
        "rotate_secret", "search", "server_answers", "server_silent_since", "timeout_task")
    QUEUE = ("QueueTask", "REQUIRED_KEYS", "get_chunk_size", "get_chunks", "get_chunks_for",
             "get_max_retries", "get_max_seconds", "get_min_seconds", "get_task_uid",
             "is_task", "new_task", "to_task")

    def test_api(self):
        from senaite.queue import api
        self.assertEqual(sorted(api.__all__), sorted(self.API))
        for name in self.API:
            self.assertTrue(hasattr(api, name), name)

    def test_queue_module(self):
        from senaite.queue import queue
        for name in self.QUEUE:
            self.assertTrue(hasattr(queue, name), name)
        self.assertTrue(set(queue.__all__) <= set(self.QUEUE))

    def test_pickled_plugin_class(self):
        # the class reference of a plugin pickled before the class moved to routing/
        from senaite.queue.routing.pasplugin import QueueAuthPlugin
        self.assertIs(pickle.loads(b"csenaite.queue.pasplugin\nQueueAuthPlugin\n."),
                      QueueAuthPlugin)
