"""The e-mail check runs inside pydantic-core (Rust regex) and agrees with Python's reading."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from refsync.models._base import Email

pytestmark = pytest.mark.unit

EMAIL = TypeAdapter(Email)
PYTHON_READING = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000"


def accepted(text: str) -> bool:
    """Whether the address passes; a refusal must carry the one message people see."""
    try:
        EMAIL.validate_python(text)
    except ValidationError as exc:
        messages = [e["msg"] for e in exc.errors()]
    else:
        return True
    assert messages == ["not an e-mail address"]
    return False


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab@.é") + list(SPACES)), max_size=12))
def test_agrees_with_python_regex(text: str) -> None:
    assert accepted(text) == bool(PYTHON_READING.fullmatch(text))


def test_length_limit() -> None:
    assert accepted("a" * 244 + "@b.example")
    assert not accepted("a" * 245 + "@b.example")
