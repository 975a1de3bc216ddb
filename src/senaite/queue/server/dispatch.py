# -*- coding: utf-8 -*-
"""The queue server's dispatch transitions, on a ZODB connection of their own.

Pop, done, fail, conflict, timeout and purge run one at a time in this process, each in a
short transaction of its own that is retried on conflicts. They share one connection, kept
open for them: its cache holds what the previous transition wrote, so a transition reloads
only what other processes changed since, and the request's own transaction is left alone.
"""

import threading

import transaction
from senaite.queue import api
from senaite.queue.core.retry import run_in_transaction

# One dispatch transition at a time in this process, and the connection they share
_lock = threading.Lock()
_state = {"connection": None}


def dispatch(operation):
    """Run ``operation(queue)`` in a committed transaction of the dispatch connection; its
    result."""
    queue = api.get_queue()
    with _lock:
        connection = get_connection(queue._p_jar.db())
        own = connection.get(queue._p_oid)
        return run_in_transaction(connection.transaction_manager, lambda: operation(own))


def get_connection(database):
    """The dispatch connection to ``database``; a new one when the last one was to another
    database or is closed. Called under the lock."""
    connection = _state["connection"]
    if connection is not None and connection.opened and connection.db() is database:
        return connection
    if connection is not None and connection.opened:
        connection.close()
    connection = database.open(transaction_manager=transaction.TransactionManager())
    _state["connection"] = connection
    return connection
