"""Public test helpers: a controllable clock and ids, contract suites, hypothesis strategies.

Third-party adapters run the very same contract suites as the built-in ones.
"""

from crmkit.testing.clock import FixedClock, SequentialIds

__all__ = ["FixedClock", "SequentialIds"]
