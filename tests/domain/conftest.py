"""Domain-test fixtures: the shared ones (tests/conftest.py) and tests/domain/factories.py."""
