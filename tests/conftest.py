"""Fixtures every test directory shares (the root conftest holds the database and role ones)."""

from tests.conftest_helpers import signed_in_page  # noqa: F401  (a fixture, found by name)
