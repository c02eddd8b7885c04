"""Which kind of invite a sheet is: the shipped mappings and samples, localized templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sources import InputLimits
from entrypoints.web.app import _headers
from entrypoints.web.kinds import column_present, discover_kinds, recognise, tokens
from entrypoints.web.preview import REFUSE, SEND, build_preview
from refsync.errors import ConfigurationError
from refsync.ledger import Ledger
from tests.web.conftest import write_entra_csv

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "mappings"
SAMPLES = ROOT / "data" / "samples"
LIMITS = InputLimits()
GERMAN = [
    "E-Mail-Adresse für die Einladung [inviteeEmail] Erforderlich",
    "Umleitungs-URL [inviteRedirectURL] Erforderlich",
    "Einladungsnachricht senden (true oder false) [sendEmail]",
    "Angepasste Einladungsnachricht [customizedMessageBody]",
]


@pytest.mark.unit
def test_tokens_match_whatever_the_label_says() -> None:
    assert tokens("Email address to invite [inviteeEmail] Required") == {"inviteeemail"}
    assert column_present(["Email address to invite [inviteeEmail] Required"], GERMAN) == GERMAN[0]
    assert column_present(["Email"], ["E-mail"]) is None
    assert column_present(["Email"], ["EMAIL"]) == "EMAIL"


@pytest.mark.unit
def test_shipped_invite_mappings_are_the_kinds() -> None:
    kinds = {k.name: k.target.value for k in discover_kinds(SHIPPED)}
    assert kinds["entra-bulk-invite"] == "graph.invitation"
    assert kinds["gt365-invites"] == "gt365.invitation"
    assert kinds["partner-center-org-invites"] == "partner_center.referral"
    assert "dynamics365-leads" not in kinds  # a sync, not an invite


@pytest.mark.unit
def test_missing_mappings_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="mappings directory not found"):
        discover_kinds(tmp_path / "nope")


@pytest.mark.integration
@pytest.mark.parametrize(("sample", "kind"), [
    ("entra-bulk-invite.csv", "entra-bulk-invite"),
    ("gt365-invites.xlsx", "gt365-invites"),
    ("partner-center-org-invites.xlsx", "partner-center-org-invites"),
])
def test_shipped_samples_are_recognised(sample: str, kind: str) -> None:
    path = SAMPLES / sample
    if not path.exists():
        pytest.skip(f"{sample} is not in data/samples")
    recognised = recognise(discover_kinds(SHIPPED), _headers(path, LIMITS))
    assert recognised is not None
    assert recognised.name == kind


@pytest.mark.integration
def test_localized_template_is_recognised_and_previewed(tmp_path: Path) -> None:
    sheet = write_entra_csv(tmp_path / "einladungen.csv", [
        ["ada@contoso.example", "https://myapps.microsoft.com", "true", "Willkommen"],
        ["bob@contoso.example", "", "true", ""],
    ])
    sheet.write_text(sheet.read_text().replace(",".join(
        f'"{h}"' if "," in h else h for h in
        ["Email address to invite [inviteeEmail] Required",
         "Redirection url [inviteRedirectURL] Required",
         "Send invitation message (true or false) [sendEmail]",
         "Customized invitation message [customizedMessageBody]"]), ",".join(GERMAN)))
    headers = _headers(sheet, LIMITS)
    assert headers == tuple(GERMAN)
    kind = recognise(discover_kinds(SHIPPED), headers)
    assert kind is not None
    assert kind.name == "entra-bulk-invite"

    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        preview = build_preview(kind, sheet, ledger, limits=LIMITS)
    finally:
        ledger.close()
    assert preview.counts[SEND] == 1
    assert preview.counts[REFUSE] == 1
    refused = next(r for r in preview.rows if r.status == REFUSE)
    assert refused.cells[1].error  # the empty redirect URL, under its German header


@pytest.mark.unit
def test_two_kinds_fitting_equally_leave_the_choice_to_the_person(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / f"{name}.yaml").write_text(
            f"version: 1\nname: {name}\ntarget: {{type: gt365.invitation}}\n"
            "source: {type: spreadsheet}\nkey: Email\n"
            "fields:\n  invitedUserDisplayName: {column: Name}\n")
    kinds = discover_kinds(tmp_path)
    assert [k.name for k in kinds] == ["one", "two"]
    assert recognise(kinds, ["Email", "Name"]) is None
    assert recognise(kinds, ["Mail", "Name"]) is None
