# -*- coding: utf-8 -*-
"""HTTP client for the queue's JSON routes on other ZEO clients; ``utility`` is 1.x's path
of the clients' queue utility."""
