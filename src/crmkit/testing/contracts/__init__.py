"""Contract suites every adapter must pass: storage, documents, messaging, invoices (SPEC §9).

The suites are plain classes whose names do not start with ``Test``, so
pytest does not collect them where they are defined. An adapter's test
module binds each one by subclassing it under a ``Test*`` name and supplying
the fixture it needs — the way eventsourcing's persistence tests are reused
by every recorder::

    import pytest
    from crmkit.hookspecs import AdapterContext
    from crmkit.domain.settings import Settings
    from crmkit.testing import FixedClock, SequentialIds
    from crmkit.testing.contracts import CompanyRepositoryContract, UnitOfWorkContract

    from crmkit_acme import AcmeStorage


    @pytest.fixture
    def storage(tmp_path):
        store = AcmeStorage(f"acmedb://{tmp_path}", clock=FixedClock())
        store.migrate()          # a migrated, *empty* storage per test
        yield store
        store.close()


    class TestAcmeCompanies(CompanyRepositoryContract):
        pass                     # the module-level ``storage`` fixture is used


    class TestAcmeUnitOfWork(UnitOfWorkContract):
        @pytest.fixture
        def storage(self):       # or override it per class
            ...

Fixtures the suites expect:

* ``storage`` — a migrated, empty :class:`~crmkit.ports.storage.Storage`,
  closed by the fixture afterwards: the storage suites, and also
  :class:`OutboxRepositoryContract`, :class:`InvoiceRepositoryContract`,
  :class:`InteractionStorageContract`, :class:`TerritoryContract`,
  :class:`PointRepositoryContract`, :class:`MarketingRepositoryContract`,
  :class:`ConsentRepositoryContract`, :class:`VisitStorageContract` and
  :class:`LocalTimesContract` (which also takes the
  ``clock`` the storage was built with);
* ``document_store`` — an empty :class:`~crmkit.ports.documents.DocumentStore`
  (:class:`DocumentStoreContract`);
* ``gateway``, ``inbound_callback`` and ``provider`` (a recording peer,
  :class:`SmsProvider`) — :class:`SmsGatewayContract`, see
  :mod:`crmkit.testing.contracts.sms`;
* ``sender`` and ``delivered`` — an e-mail sender and a callable returning
  what arrived, and optionally ``refuse`` — makes the server refuse an
  address (:class:`EmailSenderContract`);
* ``invoice_source``, ``source_of``, ``source_with_a_bad_record``,
  ``source_with_a_return`` and ``unopenable_source`` —
  :class:`InvoiceSourceContract`, see :mod:`crmkit.testing.contracts.invoices`.

Each suite is judged by what it catches: :mod:`crmkit.testing.mutants` holds
the broken adapters it must fail (wrap your own adapter in one to watch the
suite bite). The plugin guide (``docs/plugins.md``) binds them step by step.

Each test names the SPEC rule it guards (C1 … C12, §9), so a failure says
which promise of the port an adapter breaks. Records are stored parent
first, so back ends with foreign keys pass; actors of audited work are ids
of employees that need not exist (C12: history outlives its author).
"""

from crmkit.testing.contracts.audit import AuditLogContract
from crmkit.testing.contracts.claims import ClaimRepositoryContract, PickListRepositoryContract
from crmkit.testing.contracts.companies import CompanyRepositoryContract
from crmkit.testing.contracts.documents import DocumentStoreContract
from crmkit.testing.contracts.interactions import InteractionStorageContract
from crmkit.testing.contracts.invoice_storage import InvoiceRepositoryContract
from crmkit.testing.contracts.invoices import InvoiceSourceContract
from crmkit.testing.contracts.local_times import LocalTimesContract
from crmkit.testing.contracts.marketing import ConsentRepositoryContract, MarketingRepositoryContract
from crmkit.testing.contracts.messaging import EmailSenderContract, OutboxRepositoryContract
from crmkit.testing.contracts.people import ContactRepositoryContract, EmployeeRepositoryContract
from crmkit.testing.contracts.points import PointRepositoryContract
from crmkit.testing.contracts.round_trip import RoundTripContract
from crmkit.testing.contracts.sms import SmsGatewayContract, SmsProvider
from crmkit.testing.contracts.targets import CustomerCodeContract, TargetContract
from crmkit.testing.contracts.territory import TerritoryContract
from crmkit.testing.contracts.unit_of_work import UnitOfWorkContract
from crmkit.testing.contracts.visits import VisitStorageContract

__all__ = [
    "AuditLogContract",
    "ClaimRepositoryContract",
    "CompanyRepositoryContract",
    "ConsentRepositoryContract",
    "ContactRepositoryContract",
    "CustomerCodeContract",
    "DocumentStoreContract",
    "EmailSenderContract",
    "EmployeeRepositoryContract",
    "InteractionStorageContract",
    "InvoiceRepositoryContract",
    "InvoiceSourceContract",
    "LocalTimesContract",
    "MarketingRepositoryContract",
    "OutboxRepositoryContract",
    "PickListRepositoryContract",
    "PointRepositoryContract",
    "RoundTripContract",
    "SmsGatewayContract",
    "SmsProvider",
    "TargetContract",
    "TerritoryContract",
    "UnitOfWorkContract",
    "VisitStorageContract",
]
