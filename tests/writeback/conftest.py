"""Fixtures of the write-back tests."""
