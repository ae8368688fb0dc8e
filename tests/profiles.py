"""Hypothesis profiles of the suite, and the example counts tests take from them (ARCHITECTURE §4).

Choose with ``HYPOTHESIS_PROFILE`` (default ``dev``; ``.ci/run`` sets ``ci``):

* ``dev`` — small, for a quick local run: 25 examples;
* ``ci`` — what CI runs: 200 examples, and every count a test asks for with
  :func:`examples` (e.g. A7's 500 organisations per back end and run);
* ``nightly`` — five times ``ci``, for a scheduled search.

A test that needs its own count calls ``examples(n)`` with the count CI must
run; it gets ``n`` under ``ci``, ``5 n`` under ``nightly`` and at most the
``dev`` count under ``dev``.
"""

from __future__ import annotations

import os

from hypothesis import settings

PROFILES: dict[str, int] = {"dev": 25, "ci": 200, "nightly": 1000}
"""Default ``max_examples`` per profile."""

NIGHTLY_FACTOR = 5

for _name, _count in PROFILES.items():
    settings.register_profile(_name, max_examples=_count, deadline=None)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
if PROFILE not in PROFILES:
    raise ValueError(f"HYPOTHESIS_PROFILE={PROFILE!r}: choose one of {', '.join(PROFILES)}")


def examples(ci: int) -> int:
    """The example count for a test that CI must run ``ci`` times, under the loaded profile."""
    if PROFILE == "ci":
        return ci
    if PROFILE == "nightly":
        return ci * NIGHTLY_FACTOR
    return min(ci, PROFILES["dev"])
