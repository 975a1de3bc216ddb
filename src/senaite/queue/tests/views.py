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
    - ``samples``: ``count`` samples (received unless ``receive`` is false) with an
      analysis of every service; their analyses' UIDs, and the samples' UIDs, IDs and URLs
    - ``worksheet``: a new, empty worksheet; its UID and URL. With ``analyses`` (UIDs),
      they are assigned to it at once, not through the queue, and ``analyst`` is set
    - ``worksheet_info``: how many analyses the worksheet ``uid`` holds, and whether the
      queue works on it
    - ``analyses_info``: the review state of each analysis (or sample) of ``uids``, and
      whether the queue works on it
    - ``add_form``: the bench client's URL and what its Add Sample form needs
    - ``created``: the bench client's samples and the columns of a ``batch`` created
    - ``settings``: set the queue's settings (``values``: name -> value)
    - ``contacts``: ``count`` new contacts of the client ``client_uid`` (default: the lab's
      client), named after ``tag``; their UIDs
    - ``contacts_state``: of the contacts ``uids``: how many are active and inactive, and
      who did the last "deactivate" of the inactive ones (user id -> count)
    - ``activate``: activate the inactive contacts among ``uids``; how many
    - ``queue_deactivate``: queue the deactivation of the contacts ``uids`` as one task of
      the client ``client_uid`` (``api.add_action_task``), as the caller; its task uid
    - ``batches``: ``count`` new batches; their UIDs, and the URL of the batches folder
    - ``batches_state``: of the batches ``uids``: how many are in each review state, who
      closed them (user id -> count) and how many times each was closed at most
    - ``clients``: ``count`` clients with ``contacts`` contacts each; their UIDs (made once)
    - ``reindex_tasks``: queue ``count`` security re-index tasks of the clients
      ``client_uids``, in turn (``api.add_reindex_obj_security_task``), as the caller
    - ``reindex_sync``: the same ``count`` walks of the clients ``client_uids``, in turn,
      done here and now, with the queue disabled: each re-indexes the security of the client
      and everything below it as the task adapter ``task_reindex_object_security`` does in
      total (its whole walk at once), and is committed on its own; how many walks and
      objects
    - ``profile``: ``command`` "start" or "stop" profiling this process's queue requests, and
      those whose path contains one of ``paths`` (tests/profiling.py); "stop" answers the
      report
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

    def do_samples(self, count=10, receive=True):
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
            if receive:
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

    def do_add_form(self):
        """What the Add Sample form of the bench client needs: its URL and the UIDs of
        its client, contact, sample type and services."""
        from bika.lims import api as capi
        client = self.get_client()
        portal = capi.get_portal()
        sampletype = [obj for obj in portal.setup.sampletypes.objectValues()
                      if capi.get_title(obj) == "Bench water"][0]
        services = [obj for obj in portal.bika_setup.bika_analysisservices.objectValues()
                    if obj.getKeyword().startswith("BM")]
        return {"url": capi.get_url(client), "client": capi.get_uid(client),
                "contact": capi.get_uid(client.getContacts()[0]),
                "sampletype": capi.get_uid(sampletype),
                "services": [capi.get_uid(service) for service in services]}

    def do_created(self, batch):
        """The samples of the bench client, and the columns of ``batch`` created."""
        from senaite.queue.adapters.tasks.sample_columns import get_created_in_batch
        client = self.get_client()
        return {"samples": len(client.objectIds("AnalysisRequest")),
                "columns": dict((str(column), uids) for column, uids in
                                get_created_in_batch(client, batch).items())}

    def do_settings(self, values):
        from plone import api as ploneapi
        for name, value in values.items():
            if isinstance(value, str):
                value = value.decode("utf-8")
            ploneapi.portal.set_registry_record("senaite.queue.{}".format(name), value)
        return values

    def get_client_by_uid(self, client_uid=None):
        from bika.lims import api as capi
        return capi.get_object_by_uid(client_uid) if client_uid else self.get_client()

    def do_contacts(self, count, client_uid=None, tag="Bench"):
        from bika.lims import api as capi
        client = self.get_client_by_uid(client_uid)
        start = len(client.objectIds("Contact"))
        uids = []
        for index in range(start, start + count):
            contact = capi.create(client, "Contact", Firstname=tag,
                                  Surname="{:04d}".format(index))
            uids.append(capi.get_uid(contact))
        return {"uids": uids}

    def do_contacts_state(self, uids):
        from bika.lims import api as capi
        counts = {"active": 0, "inactive": 0, "deactivated_by": {}}
        for uid in uids:
            obj = capi.get_object_by_uid(uid)
            if capi.is_active(obj):
                counts["active"] += 1
                continue
            counts["inactive"] += 1
            actor = "?"
            for entry in capi.get_review_history(obj, rev=True):
                if entry.get("action") == "deactivate":
                    actor = entry.get("actor") or "?"
                    break
            by = counts["deactivated_by"]
            by[actor] = by.get(actor, 0) + 1
        return counts

    def do_activate(self, uids):
        from bika.lims import api as capi
        from bika.lims.workflow import doActionFor
        count = 0
        for uid in uids:
            obj = capi.get_object_by_uid(uid)
            if not capi.is_active(obj):
                doActionFor(obj, "activate")
                count += 1
        return {"activated": count}

    def do_queue_deactivate(self, uids, client_uid=None):
        from bika.lims import api as capi
        client = self.get_client_by_uid(client_uid)
        task = api.add_action_task(uids, "deactivate", context=client)
        return {"task_uid": task.task_uid if task else None, "url": capi.get_url(client)}

    def do_batches(self, count):
        from bika.lims import api as capi
        folder = capi.get_portal().batches
        uids = [capi.get_uid(capi.create(folder, "Batch", title="Bulk {}".format(index)))
                for index in range(count)]
        return {"uids": uids, "url": capi.get_url(folder)}

    def do_batches_state(self, uids):
        from bika.lims import api as capi
        states, closed_by, closes = {}, {}, 0
        for uid in uids:
            batch = capi.get_object_by_uid(uid)
            state = capi.get_review_status(batch)
            states[state] = states.get(state, 0) + 1
            history = [entry for entry in capi.get_review_history(batch, rev=False)
                       if entry.get("action") == "close"]
            closes = max(closes, len(history))
            for entry in history:
                actor = entry.get("actor") or "?"
                closed_by[actor] = closed_by.get(actor, 0) + 1
        return {"states": states, "closed_by": closed_by, "closes": closes}

    def do_clients(self, count=10, contacts=3):
        from bika.lims import api as capi
        portal = capi.get_portal()
        clients = dict((client.getClientID(), client)
                       for client in portal.clients.objectValues("Client"))
        uids = []
        for index in range(1, count + 1):
            client_id = "BENCH-R{}".format(index)
            client = clients.get(client_id)
            if client is None:
                client = capi.create(portal.clients, "Client", ClientID=client_id,
                                     Name="Bench client {}".format(index))
                for number in range(contacts):
                    capi.create(client, "Contact", Firstname="Reindex",
                                Surname="{:04d}".format(number))
            uids.append(capi.get_uid(client))
        return {"uids": uids}

    def do_reindex_tasks(self, count, client_uids, **kw):
        from bika.lims import api as capi
        clients = [capi.get_object_by_uid(uid) for uid in client_uids]
        task_uids = []
        for index in range(count):
            client = clients[index % len(clients)]
            task = api.add_reindex_obj_security_task(client, **kw)
            task_uids.append(task.task_uid if task else None)
        return {"task_uids": task_uids}

    def do_reindex_sync(self, count, client_uids):
        import transaction
        from bika.lims import api as capi
        from senaite.queue.interfaces import IQueuedTaskAdapter
        from zope.component import getAdapter
        if api.is_queue_enabled():
            raise ValueError("reindex_sync needs the queue disabled (Queue Server empty)")
        queue = api.get_task_queue()
        before = len(queue)
        clients = [capi.get_object_by_uid(uid) for uid in client_uids]
        objects = [0]

        def counted(reindex):
            def reindex_counted(obj):
                objects[0] += 1
                return reindex(obj)
            return reindex_counted

        for index in range(count):
            client = clients[index % len(clients)]
            adapter = getAdapter(client, IQueuedTaskAdapter, name=api.REINDEX_SECURITY_TASK)
            adapter.reindex = counted(adapter.reindex)
            # chunk size 0: the adapter walks the whole subtree at once and queues no rest
            task = api.new_task(api.REINDEX_SECURITY_TASK, client,
                                uids=[capi.get_uid(client)], chunk_size=0)
            adapter.process(task)
            transaction.commit()
        if len(queue) != before:
            raise AssertionError("reindex_sync queued tasks: {} before, {} after".format(
                before, len(queue)))
        return {"walks": count, "objects": objects[0]}

    def do_profile(self, command, paths=None):
        from senaite.queue.tests import profiling
        if command == "start":
            profiling.start(paths)
            return {"profiling": True}
        return {"profiling": False, "report": profiling.stop()}
