# -*- coding: utf-8 -*-
"""Event subscribers of senaite.queue."""
