"""Fixtures shared by every test suite of the repository."""

pytest_plugins = ["testing.fixtures.db", "testing.fixtures.server"]
