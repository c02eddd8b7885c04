import pytest

from refsync.cells import neutralise

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x"])
def test_text_that_could_run_as_a_formula_is_quoted(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["plain", "a=b", "", 42, -3.5, None])
def test_other_values_pass_unchanged(value: object) -> None:
    assert neutralise(value) == value
