# -*- coding: utf-8 -*-
"""The 1.x layer: what add-ons and scripts written for senaite.queue 1.x use, over the API.

``tasks``: 1.x's task helpers (public as ``senaite.queue.queue``); ``utility``: 1.x's queue
utilities (registered in this folder's ``configure.zcml``).
"""
