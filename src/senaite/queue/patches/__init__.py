# -*- coding: utf-8 -*-
"""Patches, only where SENAITE or Zope offers no hook (see configure.zcml)."""
