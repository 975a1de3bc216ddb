# -*- coding: utf-8 -*-
"""A ZEO client forgets the object ids it fetched before a reconnection (ZEO 5.3.0).

A ``ZEO.ClientStorage.ClientStorage`` fetches new object ids (oids) from the server 100 at a
time and keeps those it has not used yet, also when its connection to the server drops and
comes back. A FileStorage that starts again sets its next oid after the greatest oid
*committed*: a ZEO server that was restarted hands the unused ones out again, to other
clients. The first client then gives its new objects oids that other objects already have:
its commits fail with ``ValueError: A different object already has the same oid`` (a 500
that ZPublisher does not retry) or with ConflictErrors, until its stale oids are used up. A
queue's task records are new objects, so after a restart of the ZEO server users could not
queue tasks on that client for a while. ZEO 6.0 does the same. RelStorage is not affected:
PostgreSQL hands out oids from a sequence that never goes back.
"""


def notify_connected(self, conn, info):
    """``ClientStorage.notify_connected``: drop the oids fetched before, then carry on."""
    del self._oids[:]
    return self._old_notify_connected(conn, info)
