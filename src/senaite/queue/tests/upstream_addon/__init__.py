# -*- coding: utf-8 -*-
"""An add-on written for senaite.queue 1.x, as its documentation teaches integrators: a task
of its own, queued with ``api.add_task``, processed in chunks by a named task adapter that
reads its task as a mapping and queues the rest with ``api.add_copy``. It must run here
unchanged. For the tests only (included by tests/testing.zcml)."""
