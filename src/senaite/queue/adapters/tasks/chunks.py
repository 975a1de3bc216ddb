# -*- coding: utf-8 -*-
"""Splitting the work of a task into the chunk it processes now and the rest."""

from senaite.queue import settings


def get_chunks(items, chunk_size):
    """``[first, rest]``: the first ``chunk_size`` items and the others.

    A chunk size of 0 or less, or one that covers every item, gives ``[all, []]``.
    """
    items = list(items or [])
    if chunk_size is None or chunk_size <= 0 or chunk_size >= len(items):
        return [items, []]
    return [items[:chunk_size], items[chunk_size:]]


def get_chunks_for(task, items=None):
    """``get_chunks`` of ``items`` (the task's ``uids`` by default), with the task's own
    chunk size; the setting's when the task (a mapping) has none."""
    if items is None:
        items = task.get("uids")
    chunk_size = task.get("chunk_size")
    if chunk_size is None:
        chunk_size = settings.get_chunk_size()
    return get_chunks(items, chunk_size)
