# -*- coding: utf-8 -*-
"""HTTP client for the queue's JSON routes on other ZEO clients."""
