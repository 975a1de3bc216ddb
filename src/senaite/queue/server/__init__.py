# -*- coding: utf-8 -*-
"""The queue server role: the JSON routes ``@@API/senaite/v1/queue_server/...`` and
``dispatch``; ``utility`` is 1.x's path of the server's queue utility."""
