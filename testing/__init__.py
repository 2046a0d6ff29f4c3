"""Test support shared by the SDK, server and CLI suites (not shipped)."""
