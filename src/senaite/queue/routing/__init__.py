# -*- coding: utf-8 -*-
"""The plumbing of the queue's JSON routes: declaring a route and the checks every call goes
through (``router``), reading payloads (``payload``) and the answers (``answers``). The
routes themselves are the server's and the consumers'."""
