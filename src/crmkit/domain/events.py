"""Domain events: facts that happened, published after the unit of work commits.

Plugins receive them through the ``crmkit_on_event`` hook; the outbox turns
some of them into messages. Events are frozen values carrying ids and the
moment they happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs

__all__ = ["DomainEvent"]


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base class of every event.

    Attributes:
        at: when the event happened (aware).
        name: a stable dotted name (``"company.registered"``), set per subclass.
    """

    name: ClassVar[str] = "event"
    at: datetime
