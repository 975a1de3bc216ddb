# -*- coding: utf-8 -*-
"""The queue server role: the JSON routes ``@@API/senaite/v1/queue_server/...``."""
