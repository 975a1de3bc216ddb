# -*- coding: utf-8 -*-
"""Whether the queue server answers, as this process last found out.

Only what managers are told depends on it (the status viewlet, Queue Settings after a
save), never the queue's status: every client reads the queue from the database, and the
server is needed only to hand tasks out. A check is kept a few seconds per process, so that
asking on every page costs little, and it gives up quickly.
"""

import collections
import threading
import time

from senaite.queue.client.session import ping

# How long this process trusts its last check, and how long a check waits for the answer
CHECK_SECONDS = 5
CHECK_TIMEOUT = 2

# ``silent_since``: when the first of the checks in a row that got no answer was made
Check = collections.namedtuple("Check", ["checked", "answers", "silent_since"])

_checks = {}
_lock = threading.Lock()


def check(server_url, max_age=None, timeout=None):
    """The last ``Check`` of the server at ``server_url``; a new one when it is older than
    ``max_age`` seconds (``CHECK_SECONDS``), which waits up to ``timeout`` seconds
    (``CHECK_TIMEOUT``) for the answer."""
    now = time.time()
    with _lock:
        last = _checks.get(server_url)
    if last is not None and now - last.checked < (
            CHECK_SECONDS if max_age is None else max_age):
        return last
    answers = ping(server_url, timeout=CHECK_TIMEOUT if timeout is None else timeout)
    with _lock:
        last = _checks.get(server_url)
        silent_since = None
        if not answers:
            silent_since = last and last.silent_since or now
        current = _checks[server_url] = Check(now, answers, silent_since)
    return current


def forget():
    """Forget every check: the next one asks the server."""
    with _lock:
        _checks.clear()
