"""The in-memory adapters: storage and documents, for tests, examples and small embeddings.

They pass the same contract suites (:mod:`crmkit.testing.contracts`) as the
SQLAlchemy back end, and are registered under the ``memory://`` scheme.
"""

from crmkit.adapters.memory.documents import MemoryDocumentStore
from crmkit.adapters.memory.storage import MemoryStorage, MemoryUnitOfWork

__all__ = ["MemoryDocumentStore", "MemoryStorage", "MemoryUnitOfWork"]
