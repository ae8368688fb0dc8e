from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "ubl-tr"


@pytest.fixture(scope="session")
def samples() -> Path:
    """GİB's UBL-TR samples and the OASIS UBL 2.1 example (../shared/samples/ubl-tr)."""
    assert SAMPLES.is_dir(), f"the UBL-TR samples are missing: {SAMPLES}"
    return SAMPLES
