"""Each contract suite fails on each deliberately broken adapter shipped beside it (ARCHITECTURE §4).

The suite is bound to a working adapter wrapped in a mutant of
:mod:`crmkit.testing.mutants` and run by pytest in-process (``pytester``),
as a plugin author would run it; the run must fail, and fail in the test
that guards the broken promise. The same binding around the unbroken
adapter passes, so the failures come from the mutant.
"""

from __future__ import annotations

import pytest

from crmkit.testing.mutants import email, invoices, outbox, sms, storage

SMS_CATCHES: dict[type, str] = {
    sms.TransliteratesTurkish: "test_the_provider_gets_each_recipient_and_text_unchanged",
    sms.TruncatesToOnePart: "test_the_provider_gets_each_recipient_and_text_unchanged",
    sms.SticksToTheFirstRecipient: "test_the_provider_gets_each_recipient_and_text_unchanged",
    sms.EveryFailureTemporary: "test_a_permanent_refusal_is_a_permanent_failure",
    sms.EveryFailurePermanent: "test_a_temporary_refusal_is_a_temporary_failure",
    sms.DropsDeliveryReports: "test_a_pushed_delivery_report_is_read",
}
INVOICE_CATCHES: dict[type, str] = {
    invoices.ReadsEverythingAfterAnUnknownSince: "test_v2_an_unknown_since_is_refused_naming_since",
    invoices.ReadsAheadOfWhatItYields: "test_v2_reading_is_lazy",
    invoices.CursorsTooLong: "test_v2_cursors_and_the_url_fit_what_storage_keeps",
    invoices.RaisesOnABadRecord: "test_v1_a_bad_record_is_yielded_as_an_error_and_reading_goes_on",
    invoices.ReturnsTheWrongWayRound: "test_v1_a_return_is_issued_by_the_buyer_of_what_it_cancels",
    invoices.AcceptsAnUnopenableUrl: "test_v1_an_unopenable_url_is_a_validation_error_naming_url",
}

STORAGE_CATCHES: dict[type, str] = {
    storage.DropsUpdates: "TestCompanies::test_s9_save_bumps_the_version_and_stores_the_change",
    storage.SkipsTheVersionCheck: "TestCompanies::test_s9_stale_save_raises_conflict_and_writes_nothing",
    storage.NaiveDatetimes: "TestCompanies::test_c1_c3_round_trip_returns_an_equal_company",
    storage.SearchIgnoresTheType: "TestCompanies::test_c1_search_filters_by_type",
    storage.RollbackKeepsTheWork: "TestUnitOfWork::test_s9_explicit_rollback_discards_the_work",
    storage.AuditIgnoresTheOffset: "TestAuditLog::test_c12_by_actor_lists_one_actors_changes_oldest_first",
}
OUTBOX_CATCHES: dict[type, str] = {
    outbox.ClaimsTheSameMessageTwice: "test_limit_and_disjoint_claims",
    outbox.LosesDueAt: "test_failed_and_dead_outcomes_round_trip",
    outbox.NeverDeadLetters: "test_failed_and_dead_outcomes_round_trip",
    outbox.ForgetsLapsedClaims: "test_a_lapsed_claim_is_uncertain_only_where_a_message_was_handed_over",
    outbox.FinishesUnderAnyClaim: "test_finish_writes_outcomes_only_under_the_live_claim",
    outbox.ClaimsNewestFirst: "test_claim_takes_due_messages_oldest_first",
    outbox.ConsentIgnoresTheTime: "test_consent_history_and_state_at_a_time",
}
EMAIL_CATCHES: dict[type, str] = {
    email.DropsAttachments: "test_attachments_arrive_byte_for_byte",
    email.AsciiSubject: "test_utf8_subject_body_and_name_arrive_intact",
    email.SticksToTheFirstRecipient: "test_each_message_reaches_its_own_recipient",
    email.EveryFailureTemporary: "test_a_refusal_is_delivery_failed_with_its_permanence[[]permanent[]]",
    email.EveryFailurePermanent: "test_a_refusal_is_delivery_failed_with_its_permanence[[]temporary[]]",
    email.SendsTwice: "test_every_send_is_delivered_once_with_a_distinct_id",
}


def _run(pytester: pytest.Pytester, binding: str) -> pytest.RunResult:
    pytester.makepyfile(test_bound=binding)
    return pytester.runpytest_inprocess("-q", "-p", "no:randomly", "-p", "no:cacheprovider")


def test_every_shipped_mutant_is_expected_to_be_caught() -> None:
    assert set(SMS_CATCHES) == set(sms.MUTANTS)
    assert set(STORAGE_CATCHES) == set(storage.MUTANTS)
    assert set(OUTBOX_CATCHES) == set(outbox.MUTANTS)
    assert set(EMAIL_CATCHES) == set(email.MUTANTS)
    assert set(INVOICE_CATCHES) == {*invoices.MUTANTS, invoices.AcceptsAnUnopenableUrl}


@pytest.mark.parametrize("mutant", list(SMS_CATCHES), ids=lambda m: m.__name__)
def test_the_sms_gateway_contract_fails_on(pytester: pytest.Pytester, mutant: type) -> None:
    result = _run(
        pytester,
        "from crmkit.testing.mutants.sms import " + mutant.__name__ + "\n"
        "from tests.contracts.bindings import sms_binding\n"
        "TestMutant = sms_binding(wrap=" + mutant.__name__ + ")\n",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()[-2000:]
    result.stdout.fnmatch_lines([f"FAILED test_bound.py::TestMutant::{SMS_CATCHES[mutant]}*"])


@pytest.mark.parametrize("mutant", list(INVOICE_CATCHES), ids=lambda m: m.__name__)
def test_the_invoice_source_contract_fails_on(pytester: pytest.Pytester, mutant: type) -> None:
    if mutant is invoices.AcceptsAnUnopenableUrl:
        bind = "invoice_binding(lambda source: source, wrap_build=AcceptsAnUnopenableUrl)"
    else:
        bind = f"invoice_binding({mutant.__name__})"
    result = _run(
        pytester,
        "from crmkit.testing.mutants.invoices import " + mutant.__name__ + "\n"
        "from tests.contracts.bindings import invoice_binding\n"
        "TestMutant = " + bind + "\n",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()[-2000:]
    result.stdout.fnmatch_lines([f"FAILED test_bound.py::TestMutant::{INVOICE_CATCHES[mutant]}*"])


# each storage, outbox and e-mail mutant: its module, how the suites are bound around it, what fails
BOUND_AROUND: list[tuple[type, str, str, str]] = [
    *((m, "storage", "globals().update(storage_bindings({}))", t) for m, t in STORAGE_CATCHES.items()),
    *(
        (m, "outbox", "TestMutant = outbox_binding({})", f"TestMutant::{t}")
        for m, t in OUTBOX_CATCHES.items()
    ),
    *(
        (m, "email", "TestMutant = email_binding(wrap={})", f"TestMutant::{t}")
        for m, t in EMAIL_CATCHES.items()
    ),
]


@pytest.mark.parametrize(
    ("mutant", "module", "binding", "catcher"), BOUND_AROUND, ids=[m.__name__ for m, *_ in BOUND_AROUND]
)
def test_the_storage_outbox_and_email_contracts_fail_on(
    pytester: pytest.Pytester, mutant: type, module: str, binding: str, catcher: str
) -> None:
    result = _run(
        pytester,
        f"from crmkit.testing.mutants.{module} import {mutant.__name__}\n"
        "from tests.contracts.bindings import email_binding, outbox_binding, storage_bindings\n"
        + binding.format(mutant.__name__)
        + "\n",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()[-2000:]
    result.stdout.fnmatch_lines([f"FAILED test_bound.py::{catcher}*"])


@pytest.mark.parametrize("binding", ["sms_binding", "invoice_binding", "outbox_binding", "email_binding"])
def test_the_same_bindings_pass_without_a_mutant(pytester: pytest.Pytester, binding: str) -> None:
    result = _run(
        pytester,
        f"from tests.contracts.bindings import {binding}\nTestUnbroken = {binding}()\n",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:]


def test_the_storage_bindings_pass_without_a_mutant(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        "from tests.contracts.bindings import storage_bindings\nglobals().update(storage_bindings())\n",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:]
