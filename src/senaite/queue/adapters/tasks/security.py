# -*- coding: utf-8 -*-
"""Task adapter ``task_reindex_object_security``: re-indexes the security of an object's
whole subtree, in post-order (children before their parent, the root last), a chunk of
objects per task.

The walk is resumable and always ends. The task keeps the root (``top_uid``) and a cursor:
the path, relative to the root, of the last object re-indexed (a list of ids; none before
the first run, ``[]`` once the root is done). Children are visited in the order of their
ids, so the next object after any cursor is well defined, even if the object at the cursor
was removed meanwhile:

- the first object is the root's leftmost, deepest descendant (first child, repeatedly);
- after a cursor ``[..., parent, last]``, the next object is the leftmost, deepest object
  under the parent's first child whose id sorts after ``last``, or the parent itself when
  there is no such child; a cursor whose ancestors were removed resumes after the removed
  ancestor, whose subtree went with it.

Each step moves the cursor forward in one total order on paths (post-order), and the root
is the last path of that order. So every object of the subtree is re-indexed once per walk
and the walk ends with the root, after at most as many steps as the subtree has objects
(objects created behind the cursor are indexed by their creation already).
"""

from bisect import bisect_right

from Acquisition import aq_base
from bika.lims import api as capi
from senaite.queue.adapters.tasks.base import TaskAdapter
from senaite.queue.adapters.tasks.base import queue_rest

SECURITY_INDEX = "allowedRolesAndUsers"


def get_child_ids(obj):
    """The ids of the object's children, sorted; [] when it holds none."""
    if not callable(getattr(aq_base(obj), "objectIds", None)):
        return []
    return sorted(str(child_id) for child_id in obj.objectIds())


def get_child(obj, child_id):
    """The child ``child_id`` of the object, or None."""
    if child_id not in get_child_ids(obj):
        return None
    return obj._getOb(child_id, None)


def get_first_leaf(obj, path):
    """The leftmost, deepest object under ``obj`` (``obj`` itself if it has no children),
    with its path."""
    while True:
        child = None
        for child_id in get_child_ids(obj):
            child = obj._getOb(child_id, None)
            if child is not None:
                break
        if child is None:
            return obj, path
        obj, path = child, path + [child_id]


def get_next(root, cursor):
    """``(object, path)`` that follows ``cursor`` in the post-order walk of ``root``'s
    subtree; None after the root (``cursor == []``)."""
    if cursor is None:
        return get_first_leaf(root, [])
    if not cursor:
        return None
    parent = root
    for depth, child_id in enumerate(cursor[:-1]):
        child = get_child(parent, child_id)
        if child is None:
            # That ancestor is gone, and its subtree with it: go on after it
            return get_next(root, cursor[:depth + 1])
        parent = child
    siblings = get_child_ids(parent)
    for sibling_id in siblings[bisect_right(siblings, cursor[-1]):]:
        sibling = parent._getOb(sibling_id, None)
        if sibling is not None:
            return get_first_leaf(sibling, cursor[:-1] + [sibling_id])
    return parent, cursor[:-1]


def reindex_security(obj):
    """Re-index the security index of the object in every catalog that holds it.

    Only that index is updated (no metadata, nothing else), and objects that are not in a
    catalog are not added to it.
    """
    if not capi.is_object(obj) or capi.is_portal(obj):
        return
    try:
        catalogs = capi.get_catalogs_for(obj)
    except (capi.APIError, AttributeError):
        return
    path = capi.get_path(obj)
    for catalog in catalogs:
        if SECURITY_INDEX not in catalog.indexes():
            continue
        if catalog.getrid(path) is None:
            continue
        catalog.catalog_object(obj, path, idxs=[SECURITY_INDEX], update_metadata=0)


class ReindexSecurityTaskAdapter(TaskAdapter):
    """Re-indexes the next ``chunk_size`` objects of the walk (all of them with a chunk size
    of 0), then queues a copy of the task that goes on from the new cursor, unless the root
    was reached."""

    def process(self, task):
        root = self.get_root(task)
        cursor = task.get("cursor")
        if cursor is not None:
            cursor = [str(child_id) for child_id in cursor]
        chunk_size = task.chunk_size
        done = 0
        while chunk_size <= 0 or done < chunk_size:
            step = get_next(root, cursor)
            if step is None:
                return
            obj, cursor = step
            self.reindex(obj)
            done += 1
            if not cursor:
                return
        queue_rest(task, cursor=cursor, top_uid=capi.get_uid(root))

    def get_root(self, task):
        top_uid = task.top_uid
        if top_uid and top_uid != task.context_uid:
            root = capi.get_object_by_uid(top_uid, None)
            if root is not None:
                return root
        return self.context

    def reindex(self, obj):
        reindex_security(obj)
