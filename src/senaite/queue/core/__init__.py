# -*- coding: utf-8 -*-
"""The queue engine: plain Python + ZODB + cryptography, no Zope imports.

Modules: ``task`` (the task record), ``storage`` (the persistent queue),
``token`` (auth tokens), ``retry`` (run a function in its own transaction),
``errors`` (what refused operations raise).
"""
