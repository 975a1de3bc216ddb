# -*- coding: utf-8 -*-
"""What the queue's JSON routes share: reading payloads, answers and the route wrapper."""
