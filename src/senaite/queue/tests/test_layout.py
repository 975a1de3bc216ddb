# -*- coding: utf-8 -*-
"""The package keeps its plan: only ``api.py``, the server and the consumer (besides the
engine itself, install and upgrade code) reach the site's queue; everything on the Plone
side goes through ``senaite.queue.api``."""

import ast
import os
import unittest

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where the queue may be used directly, relative to the package
ALLOWED = ("api.py", "setuphandlers.py", "core", "server", "consumer", "upgrade", "tests")
STORAGE = "senaite.queue.core.storage"


def modules():
    """(path relative to the package, source) of every Python module outside ALLOWED."""
    for root, dirs, files in os.walk(PACKAGE):
        for name in sorted(files):
            path = os.path.relpath(os.path.join(root, name), PACKAGE)
            if name.endswith(".py") and path.split(os.sep)[0] not in ALLOWED:
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
            if name == "get_queue":
                found.append((node.lineno, "get_queue()"))
        elif isinstance(node, ast.Name) and node.id == "ITaskQueue":
            found.append((node.lineno, "ITaskQueue"))
    return found


class TestOneDoor(unittest.TestCase):

    def test_only_the_api_server_and_consumer_use_the_queue(self):
        offenders = ["{}:{} {}".format(path, line, what)
                     for path, source in modules()
                     for line, what in uses_of_the_queue(source)]
        self.assertEqual(offenders, [], "Use senaite.queue.api instead")

    def test_every_way_in_is_found(self):
        source = "\n".join([
            "from senaite.queue.core.storage import TaskQueue",
            "from senaite.queue.core import storage",
            "import senaite.queue.core.storage",
            "queue = api.get_queue()",
            "queue = queryUtility(ITaskQueue)",
        ])
        self.assertEqual(sorted(line for line, _ in uses_of_the_queue(source)), [1, 2, 3, 4, 5])

    def test_the_plone_side_is_looked_at(self):
        paths = [path for path, _ in modules()]
        for path in ("pasplugin.py", os.path.join("adapters", "guards.py"),
                     os.path.join("browser", "monitor_actions.py")):
            self.assertIn(path, paths)
