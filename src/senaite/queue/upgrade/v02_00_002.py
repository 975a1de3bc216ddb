# -*- coding: utf-8 -*-
"""Upgrade to profile version 20002: nothing left of senaite.queue 1.0.1 and earlier.

Those versions kept their queue in annotations of ``bika_setup``, marked the objects they
queued with ``IQueued`` and registered an ``IQueueDispatcher`` local utility. Their tasks
cannot run any more (1.0.2 discarded them too): the step removes the three.
"""

import six
from bika.lims import api as capi
from Products.ZCatalog.interfaces import IZCatalog
from senaite.queue import PROFILE_ID
from senaite.queue import logger
from senaite.queue.interfaces import IQueueDispatcher
from senaite.queue.interfaces import IQueued
from zope.annotation.interfaces import IAnnotations
from zope.interface import noLongerProvides

VERSION = "20002"
LEGACY_STORAGES = ("senaite.queue.main.storage", "senaite.queue.main.storage.tasks")


def upgrade(setup_tool):
    portal = capi.get_portal()
    logger.info("Upgrading senaite.queue to {} ...".format(VERSION))
    uids = remove_storages(portal)
    unmarked = unmark(queued_objects(uids))
    remove_dispatcher(portal)
    setup_tool.runImportStepFromProfile(PROFILE_ID, "controlpanel")
    logger.info("Upgraded senaite.queue to {}: {} objects unmarked".format(VERSION, unmarked))


def remove_storages(portal):
    """Remove the legacy storages; the UIDs their tasks named."""
    annotations = IAnnotations(portal.bika_setup)
    uids = set()
    for key in LEGACY_STORAGES:
        if key in annotations:
            collect_uids(annotations[key], uids)
            del annotations[key]
    return uids


def collect_uids(value, uids):
    """Add the UIDs found anywhere in a legacy storage's value to ``uids``."""
    if isinstance(value, six.string_types):
        if capi.is_uid(value) and value != "0":
            uids.add(value)
    elif hasattr(value, "values") and hasattr(value, "keys"):
        for item in list(value.values()):
            collect_uids(item, uids)
    elif isinstance(value, (list, tuple, set)) or hasattr(value, "__iter__"):
        for item in list(value):
            collect_uids(item, uids)


def queued_objects(uids):
    """The objects marked ``IQueued``: those the catalogs find, those the storages named,
    and the analyses of marked worksheets."""
    found = {}
    query = {"object_provides": IQueued.__identifier__}
    for catalog in capi.get_portal().objectValues():
        if IZCatalog.providedBy(catalog) and "object_provides" in catalog.indexes():
            for brain in catalog(query):
                found[brain.UID] = capi.get_object(brain)
    for uid in uids:
        obj = capi.get_object_by_uid(uid, None)
        if obj is not None:
            found[uid] = obj
    for obj in list(found.values()):
        if IQueued.providedBy(obj) and capi.get_portal_type(obj) == "Worksheet":
            for analysis in obj.getAnalyses():
                found[capi.get_uid(analysis)] = analysis
    return found.values()


def unmark(objects):
    """Remove the marker from the objects that have it; how many had it."""
    count = 0
    for obj in objects:
        if IQueued.providedBy(obj):
            noLongerProvides(obj, IQueued)
            obj.reindexObject(idxs=["object_provides"])
            count += 1
    return count


def remove_dispatcher(portal):
    site_manager = portal.getSiteManager()
    if site_manager.queryUtility(IQueueDispatcher) is not None:
        site_manager.unregisterUtility(provided=IQueueDispatcher)
