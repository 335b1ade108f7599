"""Hypothesis profiles. ``make test`` (and CI) use the fixed ``gate`` profile: the same
examples on every run, so a red build is always a change in the code, never the seed.
``make fuzz`` uses ``explore``: fresh random examples and many more of them, to find what
the gate does not yet cover; what it finds becomes an ``@example`` or a fix."""

import os

from hypothesis import settings

settings.register_profile("gate", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))
