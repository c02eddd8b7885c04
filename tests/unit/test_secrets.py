import pytest

from refsync.secrets import MASK, redact

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "secret"), [
    ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
    ("token eyJhbGciOi.eyJzdWIiOi.sig_nature here", "eyJhbGciOi.eyJzdWIiOi.sig_nature"),
    ("client_secret=sup3r&grant_type=x", "sup3r"),
    ('{"refresh_token": "rt-123"}', "rt-123"),
    ("cannot connect to postgresql://crm:pa55word@db/crm", "pa55word"),
])
def test_secrets_are_masked_wherever_they_appear(text: str, secret: str) -> None:
    masked = redact(text)
    assert secret not in masked
    assert MASK in masked


def test_known_secret_values_are_masked_and_plain_text_kept() -> None:
    assert redact("the value was hunter2", ["hunter2"]) == f"the value was {MASK}"
    assert redact("row 5: Country/Region='Atlantis'") == "row 5: Country/Region='Atlantis'"
