"""Deliberately broken adapters: what each contract suite must fail (ARCHITECTURE §4).

A contract suite is judged by what it catches. Each mutant here wraps a
working adapter and breaks one promise of its port the way real adapters
have; crmkit's tests bind every suite to every mutant of its port and expect
the suite to fail (``tests/contracts/test_mutants.py``). A plugin author can
do the same with his own adapter inside a mutant, to see the suite bite.

* :mod:`crmkit.testing.mutants.sms` — for
  :class:`~crmkit.testing.contracts.SmsGatewayContract`;
* :mod:`crmkit.testing.mutants.invoices` — for
  :class:`~crmkit.testing.contracts.InvoiceSourceContract`;
* :mod:`crmkit.testing.mutants.storage` — for
  :class:`~crmkit.testing.contracts.CompanyRepositoryContract`,
  :class:`~crmkit.testing.contracts.UnitOfWorkContract` and
  :class:`~crmkit.testing.contracts.AuditLogContract` (wrap a storage);
* :mod:`crmkit.testing.mutants.outbox` — for
  :class:`~crmkit.testing.contracts.OutboxRepositoryContract` (wrap a storage);
* :mod:`crmkit.testing.mutants.email` — for
  :class:`~crmkit.testing.contracts.EmailSenderContract`.
"""
