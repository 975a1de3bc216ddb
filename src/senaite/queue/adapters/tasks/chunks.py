# -*- coding: utf-8 -*-
"""Splitting the work of a task into the chunk it processes now and the rest."""


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
    chunk size."""
    if items is None:
        items = task.uids
    return get_chunks(items, task.chunk_size)
