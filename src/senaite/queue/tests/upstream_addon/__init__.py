# -*- coding: utf-8 -*-
"""An add-on written for senaite.queue 1.x, as its documentation teaches integrators: a task
of its own, queued with ``api.add_task``, processed in chunks by a named task adapter that
takes its task as 1.x's dict and queues the rest with ``api.add_copy``; and a workflow
action of SENAITE (the batches' "Close" and "Open") queued by 1.x's generic
workflow-action adapter, registered in ZCML only. It must run here unchanged. For the tests
only (included by tests/testing.zcml)."""
