# -*- coding: utf-8 -*-
"""Views for the end-to-end tests only (registered by tests/testing.zcml)."""

import json

from plone.protect.interfaces import IDisableCSRFProtection
from Products.Five.browser import BrowserView
from senaite.queue import api
from senaite.queue.tests.adapters import get_effects
from senaite.queue.tests.adapters import get_runs
from senaite.queue.tests.adapters import get_timings
from zope.interface import alsoProvides


class AddTasksView(BrowserView):
    """POST a JSON list of task specs; queues them through the Python API, as the caller."""

    def __call__(self):
        alsoProvides(self.request, IDisableCSRFProtection)
        specs = json.loads(self.request.get("BODY") or "[]")
        uids = []
        for spec in specs:
            spec = dict((str(key), value) for key, value in spec.items())
            task = api.add_task(spec.pop("name"), self.context, **spec)
            uids.append(task.task_uid if task else None)
        self.request.response.setHeader("Content-Type", "application/json")
        return json.dumps(uids)


class EffectsView(BrowserView):
    """What the test adapters did, as JSON."""

    def __call__(self):
        self.request.response.setHeader("Content-Type", "application/json")
        return json.dumps({
            "effects": dict(get_effects(self.context).items()),
            "runs": dict(get_runs(self.context).items()),
            "timings": dict(get_timings(self.context).items()),
        })
