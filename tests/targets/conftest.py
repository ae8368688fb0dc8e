from tests.territory.conftest import org

__all__ = ["org"]
