# -*- coding: utf-8 -*-
"""Patches, only where SENAITE, Zope or ZEO offers no hook (see configure.zcml)."""
