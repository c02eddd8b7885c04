"""Reconciliation end to end: sync a SQLite CRM to the sandbox, change things behind refsync's
back (in Partner Center and in the ledger), then ``refsync reconcile``, ``report`` and
``writeback --replay`` through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import PartnerCenterUser, signed_in_config
from tests.fixtures.sandbox import SandboxHandle
from tests.reconcile.crm import MAPPING, Crm, deal, deals, new_crm

pytestmark = [pytest.mark.e2e]

Cli = Callable[..., tuple[int, str]]


@pytest.fixture
def crm(tmp_path: Path) -> Crm:
    return new_crm(tmp_path)


@pytest.fixture
def config(sandbox: SandboxHandle, tmp_path: Path) -> Path:
    assert sandbox.config_path is not None
    return signed_in_config(sandbox.config_path, tmp_path / "work",
                            ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}")


def sync(cli: Cli, crm: Crm, config: Path, out: Path) -> int:
    code, text = cli("sync", "--mapping", str(MAPPING), "--source", crm.url, "--config",
                     str(config), "--output-dir", str(out))
    assert code == 0, text
    return code


def ledger_url(config: Path) -> str:
    return f"sqlite:///{config.parent.parent / 'ledger.db'}"


def ledger_exec(config: Path, statement: sa.Executable) -> None:
    engine = sa.create_engine(ledger_url(config))
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    finally:
        engine.dispose()


def ledger_entry(config: Path, key: str) -> dict[str, Any] | None:
    engine = sa.create_engine(ledger_url(config))
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT * FROM refsync_entries WHERE key = :k"),
                               {"k": key}).first()
            return None if row is None else row._asdict()
    finally:
        engine.dispose()


def reconcile_json(out: Path) -> dict[str, Any]:
    (path,) = sorted(out.glob("refsync-reconcile-*.json"), key=lambda p: p.stat().st_mtime)[-1:]
    return dict(json.loads(path.read_text(encoding="utf-8")))


def by_category(document: dict[str, Any]) -> dict[str, set[str | None]]:
    found: dict[str, set[str | None]] = {}
    for finding in document["findings"]:
        found.setdefault(finding["category"], set()).add(finding["key"])
    return found


def hand_made(key: str) -> dict[str, Any]:
    """A referral as a person would enter it in Partner Center, carrying a CRM key."""
    return {
        "name": f"Entered by hand {key}", "externalReferenceId": key, "type": "Independent",
        "customerProfile": {
            "name": "Fabrikam", "address": {"addressLine1": "1 Way", "city": "Oslo",
                                            "country": "NO"},
            "team": [{"firstName": "Kari", "lastName": "Nordmann", "email": "kari@fabrikam.example",
                      "phoneNumber": "+4722000000"}]},
        "consent": {"consentToToShareInfoWithOthers": False, "consentToContact": True,
                    "consentToShareReferralWithMicrosoftSellers": True},
        "details": {"dealValue": 500, "currency": "EUR",
                    "closingDateTime": "2027-01-31T00:00:00Z",
                    "requirements": {"solutions": [{"id": "SOL-34104-EBA"}]}},
        "team": [{"firstName": "Luke", "lastName": "Johnson",
                  "email": "luke.johnson@fabrikam.com", "phoneNumber": "+14258828080"}],
    }


def test_changes_behind_refsyncs_back_are_reconciled_recorded_and_written_back(
        sandbox: SandboxHandle, crm: Crm, config: Path, tmp_path: Path, cli: Cli) -> None:
    crm.insert(*(deal(n, f"D{n}") for n in range(1, 6)))
    out = tmp_path / "out"
    sync(cli, crm, config, out)
    synced = crm.rows()
    assert {r["referral_status"] for r in synced.values()} == {"created"}
    ids = {ref: row["referral_id"] for ref, row in synced.items()}

    with PartnerCenterUser(sandbox) as person:
        person.patch(ids["D1"], {"op": "replace", "path": "/status", "value": "Closed"},
                     {"op": "replace", "path": "/substatus", "value": "Won"})
        person.patch(ids["D2"], {"op": "replace", "path": "/details/dealValue", "value": 99999})
        hand = person.create(hand_made("HAND-1"))
    ledger_exec(config, sa.text("DELETE FROM refsync_entries WHERE key = 'D3'"))
    ledger_exec(config, sa.text(
        "UPDATE refsync_entries SET remote_id = 'gone-0000' WHERE key = 'D4'"))
    crm.insert(deal(6, "D6"))

    code, printed = cli("reconcile", "--mapping", str(MAPPING), "--source", crm.url,
                        "--config", str(config), "--output-dir", str(out), "--write-back",
                        "--adopt")
    assert code == 1, printed  # drift and a missing referral need a person
    assert "status_changed" in printed

    document = reconcile_json(out)
    found = by_category(document)
    assert found["status_changed"] == {"D1"}
    assert found["drift"] == {"D2"}
    assert found["not_in_ledger"] == {"D3", "HAND-1", "D4"}
    assert found["missing_remotely"] == {"D4"}
    assert found["not_synced"] == {"D6"}
    assert found.get("duplicate", set()) == set()
    assert document["totals"]["remote"] == 6
    assert document["totals"]["in_sync"] == 1  # D5
    drift = next(f for f in document["findings"] if f["category"] == "drift")
    assert drift["drift"] == [{"path": "/details/dealValue", "sent": 1002.0, "now": 99999}]
    won = next(f for f in document["findings"] if f["category"] == "status_changed")
    assert (won["remote_status"], won["remote_substatus"]) == ("Closed", "Won")
    adoptable = {f["key"]: f["adoptable"] for f in document["findings"]
                 if f["category"] == "not_in_ledger"}
    assert adoptable == {"D3": True, "HAND-1": True, "D4": False}
    assert document["totals"]["adopted"] == 2

    # The Won status reached the CRM's deal-status column; the sync's columns kept what the
    # sync wrote, and only D1 has an ending (the adopted D3 is open).
    after = crm.rows()
    assert after["D1"]["deal_status"] == "Won"
    assert after["D1"]["referral_id"] == ids["D1"]
    assert {ref: r["deal_status"] for ref, r in after.items() if ref != "D1"} == {
        "D2": None, "D3": None, "D4": None, "D5": None, "D6": None}
    assert {ref: r["referral_status"] for ref, r in after.items()} == {
        "D1": "created", "D2": "created", "D3": "created", "D4": "created", "D5": "created",
        "D6": None}
    assert {ref: after[ref]["referral_synced_at"] for ref in synced} == {
        ref: r["referral_synced_at"] for ref, r in synced.items()}
    assert after["D3"]["referral_id"] == ids["D3"]

    # The ledger learned the closed status and adopted the two referrals it did not know.
    d1 = ledger_entry(config, "D1")
    assert d1 is not None
    assert d1["remote_status"] == "Closed"
    d3 = ledger_entry(config, "D3")
    assert d3 is not None
    assert (d3["remote_id"], d3["state"]) == (ids["D3"], "synced")
    assert d3["source_id"] == "[3]"
    hand_entry = ledger_entry(config, "HAND-1")
    assert hand_entry is not None
    assert hand_entry["remote_id"] == hand["id"]

    # The next sync holds the Won deal even though its CRM row changed (the ledger knows it is
    # Closed, so no patch is tried), skips the adopted D3 (it says what the CRM says), and
    # creates D6; no duplicate is made of anything. It writes its own outcome to the status
    # column and leaves the deal's ending where reconciliation put it.
    crm.execute(sa.update(deals).where(deals.c.deal_ref == "D1").values(notes="upsell"))
    sync(cli, crm, config, out)
    rows = crm.rows()
    assert rows["D1"]["referral_status"] == "held"
    assert rows["D1"]["deal_status"] == "Won"
    assert rows["D1"]["referral_id"] == ids["D1"]
    assert rows["D3"]["referral_status"] == "unchanged"
    assert rows["D6"]["referral_status"] == "created"
    stats = sandbox.stats()
    assert stats["duplicate_external_reference_ids"] == []
    assert stats["objects"]["referral"] == 7  # D1-D6 and HAND-1

    # A second reconciliation has nothing new to record about D1, and still writes Won back.
    cli("reconcile", "--mapping", str(MAPPING), "--source", crm.url, "--config", str(config),
        "--output-dir", str(out), "--write-back")
    again = by_category(reconcile_json(out))
    assert "D1" not in again.get("status_changed", set())
    final = crm.rows()
    assert (final["D1"]["deal_status"], final["D1"]["referral_status"]) == ("Won", "held")

    # Replaying the write-back from the ledger rewrites the sync's columns and keeps the ending.
    code, replayed = cli("writeback", "--replay", "--mapping", str(MAPPING), "--source",
                         crm.url, "--config", str(config))
    assert code == 0, replayed
    replay = crm.rows()
    assert (replay["D1"]["deal_status"], replay["D1"]["referral_status"]) == ("Won", "held")


def test_report_list_and_show_and_writeback_replay(crm: Crm, config: Path, tmp_path: Path,
                                                   cli: Cli) -> None:
    crm.insert(*(deal(n, f"R{n}") for n in range(1, 4)))
    crm.insert(deal(4, "R4", email=""))  # invalid: no e-mail, never sent
    out = tmp_path / "out"
    code, _ = cli("sync", "--mapping", str(MAPPING), "--source", crm.url, "--config",
                  str(config), "--output-dir", str(out))
    assert code == 0  # an invalid row is reported, not alerted on
    before = crm.rows()
    assert [before[f"R{n}"]["referral_status"] for n in range(1, 5)] == [
        "created", "created", "created", "invalid"]

    code, listed = cli("report", "list", "--config", str(config))
    assert code == 0
    (run_line,) = [line for line in listed.splitlines() if "crm-deals" in line]
    assert "completed" in run_line
    assert "created 3" in run_line
    assert "invalid 1" in run_line

    code, shown = cli("report", "show", "--key", "R2", "--config", str(config))
    assert code == 0
    assert f"referral {before['R2']['referral_id']}" in shown
    assert "created" in shown
    code, unknown = cli("report", "show", "--key", "NOPE", "--config", str(config))
    assert code == 1
    assert "knows nothing" in unknown

    # The write-back is lost (the CRM restored from an old backup); the ledger replays it.
    crm.execute(sa.update(deals).values(referral_id=None, referral_status=None,
                                        referral_synced_at=None, referral_error=None))
    code, replayed = cli("writeback", "--replay", "--mapping", str(MAPPING), "--source",
                         crm.url, "--config", str(config))
    assert code == 0, replayed
    assert "replayed 3 ledger entries (created 3)" in replayed
    after = crm.rows()
    for ref in ("R1", "R2", "R3"):
        assert after[ref]["referral_id"] == before[ref]["referral_id"]
        assert after[ref]["referral_status"] == "created"
        assert after[ref]["referral_synced_at"] is not None
    assert after["R4"]["referral_status"] is None  # never in the ledger: nothing to replay


def test_writeback_without_replay_is_a_usage_error(config: Path, crm: Crm, cli: Cli) -> None:
    code, text = cli("writeback", "--mapping", str(MAPPING), "--source", crm.url,
                     "--config", str(config))
    assert code == 2
    assert "--replay" in text


def test_reconcile_write_back_needs_a_source(config: Path, cli: Cli) -> None:
    code, text = cli("reconcile", "--mapping", str(MAPPING), "--config", str(config),
                     "--write-back")
    assert code == 2
    assert "--write-back needs --source" in text


@pytest.mark.parametrize(("deal_status", "refused"), [
    (None, "mapping crm-deals names no write_back.deal_status column for --write-back"),
    # the sync's status column under its default name, which the mapping does not spell out
    ("referral_status", "'referral_status' is named for both status and deal_status"),
])
def test_reconcile_write_back_refuses_a_mapping_without_its_own_deal_status_column(
        sandbox: SandboxHandle, crm: Crm, config: Path, tmp_path: Path, cli: Cli,
        deal_status: str | None, refused: str) -> None:
    text = MAPPING.read_text(encoding="utf-8").replace("  status: referral_status\n", "")
    text = text.replace("  deal_status: deal_status\n",
                        f"  deal_status: {deal_status}\n" if deal_status else "")
    mapping = tmp_path / "crm-deals.yaml"
    mapping.write_text(text, encoding="utf-8")
    line = text.splitlines().index("write_back:") + 1
    crm.insert(deal(1, "W1"))
    before = crm.rows()

    code, printed = cli("reconcile", "--mapping", str(mapping), "--source", crm.url,
                        "--config", str(config), "--output-dir", str(tmp_path / "out"),
                        "--write-back")
    assert code == 2, printed
    assert f"{mapping}:{line}: " in printed
    assert refused in printed
    assert crm.rows() == before
    assert not any("referrals" in route for route in sandbox.stats()["requests"])
