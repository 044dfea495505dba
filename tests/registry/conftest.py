import pytest


@pytest.fixture(autouse=True)
def _hermetic(isolated_environment: None, cached_extract: None) -> None:
    """No FANGDU_* settings from the developer's shell; each print fingerprinted once."""
