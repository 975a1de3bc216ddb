# -*- coding: utf-8 -*-
"""Run a function in a transaction of its own, retrying on conflicts."""
from __future__ import absolute_import

import random
import time

from transaction.interfaces import TransientError

DEFAULT_RETRIES = 5
DEFAULT_BACKOFF = 0.01
MAX_BACKOFF = 0.5


def run_in_transaction(tm, fn, retries=DEFAULT_RETRIES,
                       backoff=DEFAULT_BACKOFF):
    """Call ``fn()`` in a new transaction of ``tm`` and commit; return its
    result.

    A transient error (a ZODB ``ConflictError``, raised by ``fn`` or by the
    commit) aborts and runs ``fn`` again in a fresh transaction, up to
    ``retries`` more times, sleeping ``backoff * 2**n`` seconds (jittered,
    at most 0.5 s) in between; then the error is raised. Any other error
    aborts and is raised at once. ``tm`` is a transaction manager, e.g. the
    ``transaction_manager`` of a ZODB connection.
    """
    attempt = 0
    while True:
        tm.begin()
        try:
            result = fn()
            tm.commit()
            return result
        except TransientError:
            tm.abort()
            if attempt >= retries:
                raise
            delay = min(MAX_BACKOFF, backoff * 2 ** attempt)
            time.sleep(delay * random.uniform(0.5, 1.5))
            attempt += 1
        except BaseException:
            tm.abort()
            raise
