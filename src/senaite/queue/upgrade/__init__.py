# -*- coding: utf-8 -*-
"""Upgrade steps of the default profile, one module per step: vMM_mm_ppp.py."""
