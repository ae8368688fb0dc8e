from __future__ import annotations

from pathlib import Path

import pytest

# A copy of ../shared/samples/ubl-tr (see its SOURCES.md) kept in the repository, so a
# fresh clone tests against the real GİB files without anything beside it.
SAMPLES = Path(__file__).resolve().parent / "samples" / "ubl-tr"


@pytest.fixture(scope="session")
def samples() -> Path:
    """GİB's UBL-TR samples and the OASIS UBL 2.1 example (tests/services/invoices/samples/ubl-tr)."""
    assert SAMPLES.is_dir(), f"the UBL-TR samples are missing: {SAMPLES}"
    return SAMPLES
