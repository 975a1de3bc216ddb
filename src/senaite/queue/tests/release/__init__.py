# -*- coding: utf-8 -*-
"""Release tests: the distributions `make dist` builds, installed as a lab installs them."""
