# -*- coding: utf-8 -*-
"""Browser views of senaite.queue."""
