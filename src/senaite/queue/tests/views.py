# -*- coding: utf-8 -*-
"""Views for the end-to-end tests only (registered by tests/testing.zcml)."""

import json

from plone.protect.interfaces import IDisableCSRFProtection
from Products.Five.browser import BrowserView
from senaite.queue import api
from senaite.queue.consumer.worker import get_worker
from senaite.queue.tests.adapters import get_consumers
from senaite.queue.tests.adapters import get_effects
from senaite.queue.tests.adapters import get_hot
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


class TouchView(BrowserView):
    """POST ``uid``: a user's edit of the made-up object's record (see ``HotAdapter``)."""

    def __call__(self):
        alsoProvides(self.request, IDisableCSRFProtection)
        record = get_hot(self.request.form["uid"], self.context)
        record["user"] = record.get("user", 0) + 1
        self.request.response.setHeader("Content-Type", "application/json")
        return json.dumps(dict(record))


class EffectsView(BrowserView):
    """What the test adapters did, as JSON."""

    def __call__(self):
        self.request.response.setHeader("Content-Type", "application/json")
        return json.dumps({
            "effects": dict(get_effects(self.context).items()),
            "runs": dict(get_runs(self.context).items()),
            "timings": dict(get_timings(self.context).items()),
            "consumers": dict(get_consumers(self.context).items()),
        })


class StateView(BrowserView):
    """POST a JSON list of object UIDs: the queue's status as the caller sees it here, and
    whether each object is queued, as JSON."""

    def __call__(self):
        uids = json.loads(self.request.get("BODY") or "[]")
        self.request.response.setHeader("Content-Type", "application/json")
        return json.dumps({
            "status": api.get_queue_status(),
            "ready": api.is_queue_ready(),
            "queued": dict((uid, api.is_queued(uid)) for uid in uids),
        })


class WorkerView(BrowserView):
    """This process's worker, if it has one, as JSON; says nothing to it."""

    def __call__(self):
        worker = get_worker()
        self.request.response.setHeader("Content-Type", "application/json")
        if worker is None:
            return json.dumps({"name": None})
        return json.dumps({"name": worker.name, "idle_seconds": worker.idle_seconds(),
                           "idle_limit": worker.idle_limit})


class SenaiteDataView(BrowserView):
    """POST a JSON command (``{"action": ..., ...}``); for the benchmarks: SENAITE data,
    the queue's settings and a worksheet's state, as JSON.

    - ``lab``: a client with a contact, a sample type, analysis services (``services``,
      default 5) and a lab manager (``username``, ``password``); made once. ``users``
      (username -> group) adds more users with the same password, e.g. a lab clerk
    - ``samples``: ``count`` received samples with an analysis of every service; their
      analyses' UIDs, and the samples' UIDs, IDs and URLs
    - ``worksheet``: a new, empty worksheet; its UID and URL. With ``analyses`` (UIDs),
      they are assigned to it at once, not through the queue, and ``analyst`` is set
    - ``worksheet_info``: how many analyses the worksheet ``uid`` holds, and whether the
      queue works on it
    - ``analyses_info``: the review state of each analysis of ``uids``, and whether the
      queue works on it
    - ``settings``: set the queue's settings (``values``: name -> value)
    """

    def __call__(self):
        alsoProvides(self.request, IDisableCSRFProtection)
        command = json.loads(self.request.get("BODY") or "{}")
        action = command.pop("action", None)
        method = getattr(self, "do_{}".format(action), None)
        if method is None:
            raise ValueError("Unknown action: {!r}".format(action))
        self.request.response.setHeader("Content-Type", "application/json")
        return json.dumps(method(**command))

    def get_client(self):
        from bika.lims import api as capi
        for client in capi.get_portal().clients.objectValues("Client"):
            if client.getClientID() == "BENCH":
                return client
        return None

    def do_lab(self, services=5, username="bench_labmanager", password="bench-secret-1",
               users=None):
        from bika.lims import api as capi
        from plone import api as ploneapi
        portal = capi.get_portal()
        client = self.get_client()
        if client is None:
            client = capi.create(portal.clients, "Client", Name="Bench Lab", ClientID="BENCH")
            capi.create(client, "Contact", Firstname="Bench", Lastname="Contact")
            capi.create(portal.setup.sampletypes, "SampleType", title="Bench water",
                        Prefix="BW")
            category = capi.create(portal.setup.analysiscategories, "AnalysisCategory",
                                   title="Bench metals")
            for index in range(services):
                capi.create(portal.bika_setup.bika_analysisservices, "AnalysisService",
                            title="Bench metal {}".format(index),
                            Keyword="BM{}".format(index), Price="10",
                            Category=capi.get_uid(category))
        groups = {username: "LabManagers"}
        groups.update(users or {})
        for user_id, group in sorted(groups.items()):
            if ploneapi.user.get(username=user_id) is None:
                ploneapi.user.create(username=user_id, password=password,
                                     email="{}@example.com".format(user_id))
                ploneapi.group.add_user(groupname=group, username=user_id)
        return {"client_uid": capi.get_uid(client), "username": username}

    def do_samples(self, count=10):
        from bika.lims import api as capi
        from bika.lims.utils.analysisrequest import create_analysisrequest
        from bika.lims.workflow import doActionFor
        from DateTime import DateTime
        client = self.get_client()
        contact = client.getContacts()[0]
        portal = capi.get_portal()
        sampletype = [obj for obj in portal.setup.sampletypes.objectValues()
                      if capi.get_title(obj) == "Bench water"][0]
        services = [obj for obj in portal.bika_setup.bika_analysisservices.objectValues()
                    if obj.getKeyword().startswith("BM")]
        values = {"Client": capi.get_uid(client), "Contact": capi.get_uid(contact),
                  "DateSampled": DateTime().strftime("%Y-%m-%d"),
                  "SampleType": capi.get_uid(sampletype)}
        analyses = []
        samples = []
        for _ in range(count):
            sample = create_analysisrequest(client, self.request, values,
                                            [capi.get_uid(service) for service in services])
            doActionFor(sample, "receive")
            analyses.extend(capi.get_uid(analysis) for analysis in sample.getAnalyses())
            samples.append({"uid": capi.get_uid(sample), "id": capi.get_id(sample),
                            "url": capi.get_url(sample)})
        return {"analyses": analyses, "samples": samples}

    def do_worksheet(self, analyses=None, analyst=None):
        from bika.lims import api as capi
        worksheet = capi.create(capi.get_portal().worksheets, "Worksheet")
        if analyst:
            worksheet.setAnalyst(analyst)
        # one by one: Worksheet.addAnalyses would queue them
        for uid in analyses or []:
            worksheet.addAnalysis(capi.get_object_by_uid(uid))
        return {"uid": capi.get_uid(worksheet), "url": capi.get_url(worksheet),
                "analyses": len(worksheet.getRawAnalyses() or [])}

    def do_worksheet_info(self, uid):
        from bika.lims import api as capi
        worksheet = capi.get_object_by_uid(uid)
        return {"analyses": len(worksheet.getRawAnalyses() or []),
                "state": capi.get_review_status(worksheet),
                "queued": api.is_queued(worksheet)}

    def do_analyses_info(self, uids):
        from bika.lims import api as capi
        return dict((uid, {"state": capi.get_review_status(capi.get_object_by_uid(uid)),
                           "queued": api.is_queued(uid)}) for uid in uids)

    def do_settings(self, values):
        from plone import api as ploneapi
        for name, value in values.items():
            if isinstance(value, str):
                value = value.decode("utf-8")
            ploneapi.portal.set_registry_record("senaite.queue.{}".format(name), value)
        return values
