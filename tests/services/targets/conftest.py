from tests.services.territory.conftest import org

__all__ = ["org"]
