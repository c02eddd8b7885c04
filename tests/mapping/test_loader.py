"""Mistakes in a mapping file are refused with the file, line and field named."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from refsync.errors import ConfigurationError
from refsync.mapping import load_mapping
from refsync.source_spec import SpreadsheetSourceSpec

pytestmark = pytest.mark.unit

GOOD = """\
version: 1
name: minimal
target: {type: graph.invitation}
source: {type: spreadsheet}
key: Email
fields:
  inviteRedirectUrl: {constant: "https://myapps.microsoft.com"}
  invitedUserDisplayName: {column: Name, transforms: [trim]}
"""


def refused(path: Path) -> str:
    with pytest.raises(ConfigurationError) as caught:
        load_mapping(path)
    return str(caught.value)


def test_a_good_file_loads_with_checksum_and_path(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD)
    spec = load_mapping(path)
    assert spec.name == "minimal"
    assert spec.path == path
    assert spec.checksum == hashlib.sha256(GOOD.encode()).hexdigest()
    assert isinstance(spec.source, SpreadsheetSourceSpec)
    assert spec.watermark is None
    with pytest.raises(Exception, match="frozen"):
        spec.name = "other"  # type: ignore[misc]


def test_yaml_syntax_error_names_the_line(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD.replace("key: Email", "key: [Email"))
    message = refused(path)
    assert re.search(rf"{re.escape(str(path))}:\d+: not valid YAML", message)


def test_unknown_key_names_its_line(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD.replace("key: Email", "key: Email\nwatermak: Modified"))
    assert f"{path}:6: watermak: Extra inputs are not permitted" in refused(path)


def test_bad_enum_names_its_line(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD.replace("graph.invitation", "graph.invitations"))
    message = refused(path)
    assert f"{path}:3: target.type:" in message
    assert "partner_center.referral" in message  # the valid choices are listed


def test_unknown_transform_names_its_line(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD.replace("transforms: [trim]", "transforms: [trimm]"))
    message = refused(path)
    assert f"{path}:8: fields.invitedUserDisplayName.transforms.0" in message
    assert "'trim'" in message


def test_unknown_target_field_names_its_line_and_the_valid_ones(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD + "  invitedUserDisplayNam: {column: Name}\n")
    message = refused(path)
    assert f"{path}:9: fields.invitedUserDisplayNam:" in message
    assert "invitedUserDisplayName" in message


def test_constant_the_target_refuses_names_its_line(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD + "  invitedUserType: {constant: Visitor}\n")
    message = refused(path)
    assert f"{path}:9: fields.invitedUserType:" in message
    assert "'Guest'" in message


def test_key_field_cannot_be_mapped_twice(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD + "  invitedUserEmailAddress: {column: Email}\n")
    assert "filled from the key column" in refused(path)


def test_field_needs_exactly_one_source(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD + "  invitedUserType: {column: A, constant: Guest}\n")
    message = refused(path)
    assert f"{path}:9:" in message
    assert "exactly one of column, columns, constant, template" in message


def test_bad_time_zone_and_regex_are_refused(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(
        GOOD + "  invitedUserMessageInfo.customizedMessageBody:\n"
        "    column: Sent\n    cast: {type: datetime, timezone: Mars/Olympus}\n"
    )
    assert "unknown time zone 'Mars/Olympus'" in refused(path)
    path = write_mapping(GOOD + "filter:\n  - {column: Email, matches: '(['}\n")
    assert "not a valid regular expression" in refused(path)


def test_missing_file_and_non_mapping_document(tmp_path: Path, write_mapping) -> None:  # type: ignore[no-untyped-def]
    assert "cannot read mapping file" in refused(tmp_path / "absent.yaml")
    assert "a mapping file is a YAML mapping" in refused(write_mapping("- just\n- a list\n"))


def test_duplicate_keys_are_refused(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD + "key: Other\n")
    assert f"{path}:" in refused(path)


def test_path_and_checksum_are_reserved(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD + "checksum: abc\n")
    assert f"{path}:9: checksum: refsync sets this itself" in refused(path)


SQL_GOOD = GOOD.replace("source: {type: spreadsheet}",
                        "source: {type: sql, table: guests, primary_key: [id]}")


def test_a_deal_status_column_is_loaded_for_a_sql_source(write_mapping) -> None:  # type: ignore[no-untyped-def]
    spec = load_mapping(write_mapping(
        SQL_GOOD + "write_back:\n  status: sync_status\n  deal_status: ms_deal_status\n"))
    assert spec.write_back is not None
    assert (spec.write_back.status, spec.write_back.deal_status) == (
        "sync_status", "ms_deal_status")


def test_a_deal_status_column_that_is_another_write_back_column_names_its_line(
        write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(SQL_GOOD + "write_back:\n  status: sync_status\n  error: sync_error\n"
                         "  deal_status: sync_status\n")
    assert (f"{path}:12: write_back.deal_status: 'sync_status' is already the "
            "write_back.status column") in refused(path)
    path = write_mapping(SQL_GOOD + "write_back:\n  remote_id: ref\n  error: ref\n")
    assert f"{path}:11: write_back.error: 'ref' is already the write_back.remote_id" \
        in refused(path)


def test_a_spreadsheet_has_no_deal_status_column(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(GOOD + "write_back:\n  status: Status\n  deal_status: Deal\n")
    assert f"{path}:9: write_back: deal_status: only a SQL source has one" in refused(path)


QUERY = """\
version: 1
name: joined
target: {type: graph.invitation}
source: {type: sql, query: "SELECT c.id, c.email FROM contacts c", primary_key: [id]}
key: email
fields:
  inviteRedirectUrl: {constant: "https://myapps.microsoft.com"}
write_back:
  remote_id: invitation_id
"""


def test_a_query_source_writes_back_to_a_side_table_only(write_mapping) -> None:  # type: ignore[no-untyped-def]
    path = write_mapping(QUERY)
    assert (f"{path}:8: write_back: a query source writes back to a side table: name it in "
            "write_back.table") in refused(path)
    assert load_mapping(write_mapping(QUERY + "  table: contact_invites\n")).write_back.table \
        == "contact_invites"  # type: ignore[union-attr]
    # without write_back the results live in the ledger only, as before
    assert load_mapping(write_mapping(QUERY.split("write_back:")[0])).write_back is None


def test_every_shipped_mapping_loads() -> None:
    root = Path(__file__).resolve().parents[2] / "mappings"
    names = sorted(p.name for p in root.glob("*.yaml"))
    assert "dynamics365-leads.yaml" in names
    for name in names:
        assert load_mapping(root / name).name == name.removesuffix(".yaml")


def test_alias_bombs_are_refused(write_mapping) -> None:  # type: ignore[no-untyped-def]
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
        f"*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n"
        for i in range(1, 9)
    )
    assert "once YAML aliases are expanded" in refused(write_mapping(GOOD + bomb))
