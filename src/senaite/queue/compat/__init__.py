# -*- coding: utf-8 -*-
"""The 1.x layer: what add-ons and scripts written for senaite.queue 1.x use, over the API.

``tasks``: 1.x's task helpers and its ``QueueTask`` dict (public as ``senaite.queue.queue``);
``utility``: 1.x's queue utilities (registered in this folder's ``configure.zcml``, returned
by ``api.get_queue()``; public as ``senaite.queue.server.utility`` and
``senaite.queue.client.utility`` too); ``actions``: 1.x's generic workflow-action adapter
(public as ``senaite.queue.adapters.actions`` and ``senaite.queue.actions``).
"""
