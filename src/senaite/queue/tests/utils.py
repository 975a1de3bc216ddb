# -*- coding: utf-8 -*-
"""Helpers of the doctests: SENAITE data, the queue's settings, a listing's button press,
and processing tasks the way a consumer does (its routes' path, without HTTP)."""

import re

import transaction
from bika.lims import api as capi
from bika.lims.browser.workflow import WorkflowActionHandler
from bika.lims.utils.analysisrequest import create_analysisrequest
from bika.lims.workflow import doActionFor
from DateTime import DateTime
from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from senaite.queue import api
from senaite.queue.client import health
from senaite.queue.consumer import processor
from senaite.queue.consumer.pacing import Window
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.tests.adapters import edit_elsewhere  # noqa: F401 (for the doctests)
from plone.browserlayer.layer import mark_layer
from zope.interface import alsoProvides
from zope.annotation.interfaces import IAnnotations
from zope.traversing.interfaces import BeforeTraverseEvent

CONSUMER = "http://consumer:1"
# The lab's client id, its sample type's prefix and its services (title, keyword)
CLIENT_ID = "HH"
SAMPLE_PREFIX = "W"
SERVICES = (("Copper", "Cu"), ("Iron", "Fe"), ("Gold", "Au"), ("Zinc", "Zn"),
            ("Silver", "Ag"))
# request keys that tasks, listings and SENAITE leave behind
REQUEST_MARKERS = ("queue_tuid", "ws_uid", "workflow_action", "uids", "context_uid",
                   "getWorksheetTemplate", "submitted", "analyst", "template")


def setup_doctest(test):
    """The globals of a doctest: the portal, the request (with senaite.queue's layer, as
    a real request has it), and the test user as lab manager."""
    portal = test.globs["layer"]["portal"]
    request = test.globs["layer"]["request"]
    # the browser layers of the site's installed products, in the order a real request
    # gets them
    mark_layer(portal, BeforeTraverseEvent(portal, request))
    if not ISenaiteQueueLayer.providedBy(request):
        alsoProvides(request, ISenaiteQueueLayer)
    setRoles(portal, TEST_USER_ID, ["LabManager", "Manager"])
    health.forget()
    test.globs.update({
        "portal": portal,
        "request": request,
        "setup": portal.setup,
        "bikasetup": portal.bika_setup,
        "transaction": transaction,
    })


def set_setting(name, value):
    ploneapi.portal.set_registry_record("senaite.queue.{}".format(name), value)


def enable_queue(chunk_size=5):
    """The test site is the Queue Server, with that chunk size; tasks hold no time."""
    set_setting("server", u"http://nohost/plone")
    set_setting("default", chunk_size)
    set_setting("min_seconds_task", 0)
    transaction.commit()


def disable_queue():
    """No Queue Server: everything is synchronous."""
    set_setting("server", u"")
    transaction.commit()


def clean_request(request=None):
    request = request or capi.get_request()
    for key in REQUEST_MARKERS:
        request.other.pop(key, None)
        request.form.pop(key, None)


def lease_next(consumer=CONSUMER):
    """What the queue server does when a consumer asks for work: lease the next task, and
    commit. The task, or None."""
    task = api.get_task_queue().pop(consumer)
    transaction.commit()
    return task


def run_window(tasks, request=None):
    """What the consumer's ``process`` route does with leased tasks, before its commit:
    run them as a window (``processor.run_window``). Their outcomes, and the seconds the
    consumer would wait next."""
    window = Window(tasks, request or capi.get_request())
    return processor.run_window(window), window.wait()


def run_one(task, request=None):
    """``run_window`` of one task, whose error propagates; the seconds the consumer would
    wait next."""
    outcomes, wait = run_window([task], request)
    if outcomes[0].error is not None:
        raise outcomes[0].error
    return wait


def run_leased(task):
    """What the consumer's ``process`` route does with a leased task: run it as its user,
    and commit the work with the task's receipt; errors of the task abort the work and
    propagate. The seconds the consumer would wait next."""
    request = capi.get_request()
    try:
        wait = run_one(task, request)
        transaction.commit()
    except Exception:
        transaction.abort()
        raise
    finally:
        clean_request(request)
    return wait


def process_next(consumer=CONSUMER):
    """A consumer's turn, the HTTP left out: the server leases the next task, the
    ``process`` route runs it (``run_leased``), then the worker's acknowledgement is
    committed on its own. Returns the task, or None when nothing could be leased."""
    task = lease_next(consumer)
    if task is None:
        return None
    run_leased(task)
    api.get_task_queue().done(task.task_uid, task.attempt)
    transaction.commit()
    return task


def process_all(limit=500):
    """Process tasks until the queue is empty; the tasks processed, in order."""
    tasks = []
    while not api.get_task_queue().is_empty():
        task = process_next()
        if task is None:
            raise AssertionError("Tasks left that cannot be popped: {}".format(
                api.get_task_queue().get_tasks(["queued", "running", "ghost"])))
        tasks.append(task)
        if len(tasks) > limit:
            raise AssertionError("More than {} tasks: the chain does not end".format(limit))
    return tasks


def press(context, action, objects, **form):
    """What a listing's button does: post the selected objects to ``workflow_action``."""
    request = capi.get_request()
    clean_request(request)
    values = dict(form)
    values.update({"workflow_action": action, "uids": [capi.get_uid(obj) for obj in objects]})
    request.form.update(values)
    request.other.update(values)
    # the context is among the objects the request traversed
    parents = request.get("PARENTS", [])
    request.other["PARENTS"] = [context] + list(parents)
    try:
        WorkflowActionHandler(context, request)()
    finally:
        request.other["PARENTS"] = parents
        clean_request(request)
    transaction.commit()


class Lab(object):
    """The lab's data in a portal: a client with a contact, a sample type and analysis
    services, as ``Lab.create`` makes them (the lab layer does it once for its tests)."""

    def __init__(self, portal):
        setup = portal.setup
        self.portal = portal
        self.client = [client for client in portal.clients.objectValues("Client")
                       if client.getClientID() == CLIENT_ID][0]
        self.contact = self.client.objectValues("Contact")[0]
        self.sampletype = [sampletype for sampletype in setup.sampletypes.objectValues()
                           if sampletype.getPrefix() == SAMPLE_PREFIX][0]
        services = dict((service.getKeyword(), service) for service in
                        portal.bika_setup.bika_analysisservices.objectValues())
        self.services = [services[keyword] for _, keyword in SERVICES]

    @classmethod
    def create(cls, portal):
        """Create the lab's data in the portal (committed); return the lab."""
        setup = portal.setup
        bikasetup = portal.bika_setup
        client = capi.create(portal.clients, "Client", Name="Happy Hills", ClientID=CLIENT_ID)
        capi.create(client, "Contact", Firstname="Rita", Lastname="Mohale")
        capi.create(setup.sampletypes, "SampleType", title="Water", Prefix=SAMPLE_PREFIX)
        labcontact = capi.create(bikasetup.bika_labcontacts, "LabContact",
                                 Firstname="Lab", Lastname="Manager")
        department = capi.create(setup.departments, "Department", title="Chemistry",
                                 Manager=labcontact)
        category = capi.create(setup.analysiscategories, "AnalysisCategory",
                               title="Metals", Department=department)
        for title, keyword in SERVICES:
            capi.create(bikasetup.bika_analysisservices, "AnalysisService", title=title,
                        Keyword=keyword, Price="10", Category=capi.get_uid(category))
        transaction.commit()
        return cls(portal)

    def sample(self, services=None, receive=True, **values):
        """A new sample with analyses of the services (all by default)."""
        data = {
            "Client": capi.get_uid(self.client),
            "Contact": capi.get_uid(self.contact),
            "DateSampled": DateTime().strftime("%Y-%m-%d"),
            "SampleType": capi.get_uid(self.sampletype),
        }
        data.update(values)
        services = services or self.services
        sample = create_analysisrequest(self.client, capi.get_request(), data,
                                        [capi.get_uid(service) for service in services])
        if receive:
            doActionFor(sample, "receive")
        return sample

    def samples(self, count, **kw):
        samples = [self.sample(**kw) for _ in range(count)]
        transaction.commit()
        return samples

    def worksheet(self):
        worksheet = capi.create(self.portal.worksheets, "Worksheet")
        transaction.commit()
        return worksheet


def analyses_of(samples):
    """The analyses of the samples, sample by sample, by keyword."""
    analyses = []
    for sample in samples:
        analyses.extend(sorted(sample.getAnalyses(full_objects=True),
                               key=lambda analysis: analysis.getKeyword()))
    return analyses


class Counts(dict):
    """A dict that shows its keys sorted."""

    def __repr__(self):
        return "{{{}}}".format(", ".join(
            "{!r}: {!r}".format(key, value) for key, value in sorted(self.items())))


def states(objects):
    """How many objects are in each review state: {state: count}."""
    counts = Counts()
    for obj in objects:
        state = capi.get_review_status(obj)
        counts[state] = counts.get(state, 0) + 1
    return counts


def listing_items(name, context):
    """The rows of the listing view ``name`` of the context, as the listing's ajax call
    gets them."""
    view = listing_view(name, context)
    return [item for item in view.folderitems() if item.get("uid")]


def listing_view(name, context):
    """The listing view ``name`` of the context, ready to give its rows, as a new request
    gets it: without what views memoized on the request (e.g. their listing adapters)."""
    request = capi.get_request()
    IAnnotations(request).pop("plone.memoize", None)
    view = capi.get_view(name, context=context, request=request)
    # what ListingView.__call__ sets up before rendering
    view.portal = capi.get_portal()
    view.mtool = capi.get_tool("portal_membership")
    view.workflow = capi.get_tool("portal_workflow")
    view.member = capi.get_current_user()
    view.translate = context.translate
    view.update()
    view.before_render()
    return view


def text(html):
    """The text of some HTML, whitespace normalized."""
    return " ".join(re.sub(r"<[^>]*>", " ", html).split())


def queued(objects):
    """How many of the objects are queued."""
    return len([obj for obj in objects if api.is_queued(obj)])


def layout(worksheet):
    """The worksheet's slots: {slot: sample id}."""
    slots = {}
    for row in worksheet.getLayout():
        container = capi.get_object_by_uid(row["container_uid"])
        slots[int(row["position"])] = capi.get_id(container)
    return slots


def process_or_fail(consumer=CONSUMER):
    """``process_next``, except that an error of the task is reported as the consumer
    does: its work is aborted and the task fails with the error's message."""
    task = lease_next(consumer)
    if task is None:
        return None
    try:
        run_leased(task)
    except Exception as exc:
        api.get_task_queue().fail(task.task_uid, task.attempt, str(exc))
    else:
        api.get_task_queue().done(task.task_uid, task.attempt)
    transaction.commit()
    return task


def add_form(context, columns, **form):
    """What the Add Sample form's "Save" does with the columns (dicts of field values):
    the answer of ``ajax_ar_add/submit``."""
    request = capi.get_request()
    clean_request(request)
    values = {"ar_count": len(columns)}
    for num, column in enumerate(columns):
        for key, value in column.items():
            values["{}-{}".format(key, num)] = value
    values.update(form)
    request.form.update(values)
    view = capi.get_view("ajax_ar_add", context=context, request=request)
    try:
        answer = view.ajax_submit()
    finally:
        for key in values:
            request.form.pop(key, None)
        clean_request(request)
    transaction.commit()
    return answer


def viewlet_text(sample):
    """The text of the queue's viewlet on the sample's view."""
    from senaite.queue.browser.viewlets import SampleQueueViewlet
    viewlet = SampleQueueViewlet(sample, capi.get_request(), None, None)
    viewlet.update()
    return text(viewlet.render())
