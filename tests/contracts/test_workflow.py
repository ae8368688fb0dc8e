"""Every storage back end against the workflow definition contract (I2, C12).

The ``storage`` fixture of ``tests/conftest.py`` is parametrized over memory, SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from crmkit.testing.contracts.meetings import MeetingNoteContract
from crmkit.testing.contracts.opportunities import OpportunityStorageContract
from crmkit.testing.contracts.workflow import OutboxCancelContract, WorkflowStorageContract


class TestWorkflowStorage(WorkflowStorageContract):
    pass


class TestOutboxCancel(OutboxCancelContract):
    pass


class TestMeetingNotes(MeetingNoteContract):
    pass


class TestOpportunityStorage(OpportunityStorageContract):
    pass
