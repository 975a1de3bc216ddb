# -*- coding: utf-8 -*-
"""Monkey patches, only where SENAITE offers no hook (see configure.zcml)."""
