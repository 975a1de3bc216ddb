# -*- coding: utf-8 -*-
"""ZEO 5.3 ``ClientStorage``: forget the object ids fetched before a reconnection.

A ZEO client fetches new object ids from the server 100 at a time and keeps those it has not
used yet. A FileStorage that restarts hands out ids again from the highest one stored, so a
client that reconnects to a restarted ZEO server could give its next new objects ids that
other clients get too: their commits then fail (``ConflictError``, "A different object
already has the same oid") until the stale ids are used up. Users' requests and the queue's
tasks that create objects failed that way after a restart of the ZEO server. Forgetting the
unused ids on every reconnection costs at most 100 ids of a 64-bit space.
"""


def notify_connected(self, conn, info):
    """Replaces ``ClientStorage.notify_connected``: drop the unused ids, then connect."""
    if self._connection_generation:
        del self._oids[:]
    return self._old_notify_connected(conn, info)
