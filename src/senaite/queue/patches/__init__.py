# -*- coding: utf-8 -*-
"""Monkey patches, only where SENAITE (or ZEO) offers no hook (see configure.zcml)."""
