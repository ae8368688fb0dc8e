"""Each contract suite fails on each deliberately broken adapter shipped beside it (ARCHITECTURE §4).

The suite is bound to a working adapter wrapped in a mutant of
:mod:`crmkit.testing.mutants` and run by pytest in-process (``pytester``),
as a plugin author would run it; the run must fail, and fail in the test
that guards the broken promise. The same binding around the unbroken
adapter passes, so the failures come from the mutant.
"""

from __future__ import annotations

import pytest

from crmkit.testing.mutants import invoices, sms

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


def _run(pytester: pytest.Pytester, binding: str) -> pytest.RunResult:
    pytester.makepyfile(test_bound=binding)
    return pytester.runpytest_inprocess("-q", "-p", "no:randomly", "-p", "no:cacheprovider")


def test_every_shipped_mutant_is_expected_to_be_caught() -> None:
    assert set(SMS_CATCHES) == set(sms.MUTANTS)
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


@pytest.mark.parametrize("binding", ["sms_binding", "invoice_binding"])
def test_the_same_bindings_pass_without_a_mutant(pytester: pytest.Pytester, binding: str) -> None:
    result = _run(
        pytester,
        f"from tests.contracts.bindings import {binding}\nTestUnbroken = {binding}()\n",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:]
