"""The pure comparison: remote referrals, ledger entries and source rows in, categories out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from refsync.ledger import EntryState
from refsync.reconcile import (
    Category,
    FieldDrift,
    adopted_payload,
    field_drift,
    ledger_updates,
    reconcile,
    replayed_results,
    status_results,
)
from refsync.records import Outcome

from .factories import entry, remote, row, sent

pytestmark = pytest.mark.unit


def categories(result: object) -> dict[str, set[str | None]]:
    found: dict[str, set[str | None]] = {}
    for f in result.findings:  # type: ignore[attr-defined]
        found.setdefault(f.category.value, set()).add(f.key)
    return found


def test_a_referral_that_agrees_yields_no_finding() -> None:
    result = reconcile([remote("K1", "r1")], [entry("K1", "r1")])
    assert result.findings == ()
    assert result.in_sync == 1
    assert result.counts == {c.value: 0 for c in Category}


def test_server_fields_and_formats_are_not_drift() -> None:
    # Active/Accepted for New/Pending, 7 fractional digits, 1500 for 1500.0, added fields.
    body = sent(dealValue=1500)
    assert field_drift(sent(), remote("K", body=body).body) == ()


def test_an_edited_field_is_drift_with_both_values() -> None:
    edited = remote("K1", "r1", body=sent(dealValue=99999, currency="EUR"))
    result = reconcile([edited], [entry("K1", "r1")])
    (finding,) = result.findings
    assert finding.category is Category.DRIFT
    assert finding.drift == (FieldDrift("/details/dealValue", 1500.0, 99999),
                             FieldDrift("/details/currency", "USD", "EUR"))
    assert "sent 1500.0, now 99999" in finding.detail


def test_a_removed_list_item_and_a_removed_field_are_drift() -> None:
    body = sent()
    body["team"] = []
    del body["customerProfile"]["address"]["city"]
    drift = field_drift(sent(), remote("K", body=body).body)
    assert [d.path for d in drift] == ["/customerProfile/address/city", "/team"]


def test_a_deal_closed_as_won_is_a_status_change_and_a_closed_deal() -> None:
    won = remote("K1", "r1", status="Closed", substatus="Won")
    result = reconcile([won], [entry("K1", "r1", source_id=(7,), row_number=3)])
    (finding,) = result.findings
    assert finding.category is Category.STATUS_CHANGED
    assert (finding.ledger_status, finding.remote_status) == ("Active", "Closed")
    assert finding.deal_ending == "Won"
    assert "closed as Won" in finding.detail
    (deal,) = result.closed
    assert (deal.key, deal.ending, deal.source_id) == ("K1", "Won", (7,))


@pytest.mark.parametrize("ending", ["Won", "Lost", "Declined", "Expired"])
def test_every_deal_ending_is_written_back_even_when_already_recorded(ending: str) -> None:
    closed = remote("K1", "r1", status="Closed", substatus=ending)
    result = reconcile([closed], [entry("K1", "r1", status="Closed", source_id=(7,))])
    assert result.findings == ()  # the ledger knew already
    (written,) = status_results(result)
    assert (written.key, written.remote_status, written.source_id) == ("K1", ending, (7,))
    assert written.remote_id == "r1"


def test_open_deals_are_not_written_back_and_adopted_ones_only_when_adopting() -> None:
    source = {"K9": row("K9", 4), "K8": row("K8", 5)}
    result = reconcile(
        [remote("K1", "r1"), remote("K9", "r9"),
         remote("K8", "r8", status="Closed", substatus="Lost"), remote(None, "r0")],
        [entry("K1", "r1", source_id=(1,))], source=source)
    assert status_results(result) == []  # K1 is open; nothing is adopted
    written = {r.key: r for r in status_results(result, adopt=True)}
    assert set(written) == {"K9", "K8"}  # the referral without key is nobody's to adopt
    assert (written["K9"].remote_id, written["K9"].remote_status, written["K9"].source_id,
            written["K9"].row_number) == ("r9", None, (4,), 4)
    assert (written["K8"].remote_id, written["K8"].remote_status) == ("r8", "Lost")


def test_an_adopted_referral_without_a_source_row_has_nowhere_to_be_written() -> None:
    result = reconcile([remote("K9", "r9")], [], source={})
    assert status_results(result, adopt=True) == []


def test_a_closed_deal_is_recorded_in_the_ledger_with_its_new_etag() -> None:
    won = remote("K1", "r1", status="Closed", substatus="Won")
    result = reconcile([won], [entry("K1", "r1")])
    (update,) = ledger_updates(result, adopt=False)
    assert update.key == "K1"
    assert update.state is EntryState.SYNCED
    assert update.remote is not None
    assert (update.remote.status, update.remote.etag) == ("Closed", '"e2"')
    assert update.payload is None  # what was sent stays what was sent
    assert update.payload_hash is None
    assert update.attempts == 0


def test_a_conflicting_entry_keeps_its_state_and_error_when_its_status_is_recorded() -> None:
    conflicted = entry("K1", "r1", state=EntryState.CONFLICT)
    result = reconcile([remote("K1", "r1", status="Closed", substatus="Lost")], [conflicted])
    (update,) = ledger_updates(result, adopt=False)
    assert update.state is EntryState.CONFLICT


def test_a_referral_the_api_no_longer_lists_is_missing_remotely() -> None:
    result = reconcile([], [entry("K1", "r1")])
    (finding,) = result.findings
    assert finding.category is Category.MISSING_REMOTELY
    assert finding.remote_id == "r1"
    assert result.in_sync == 0


def test_a_rejected_entry_never_created_is_not_missing() -> None:
    rejected = entry("K1", None, state=EntryState.REJECTED, status=None)
    assert reconcile([], [rejected]).findings == ()


def test_a_referral_unknown_to_the_ledger_is_adoptable_by_its_key() -> None:
    stray = remote("K9", "r9")
    result = reconcile([stray], [], source={"K9": row("K9", 4)})
    (finding,) = result.findings
    assert finding.category is Category.NOT_IN_LEDGER
    assert finding.adoptable
    assert (finding.row_number, finding.source_id) == (4, (4,))
    assert ledger_updates(result, adopt=False) == []
    (update,) = ledger_updates(result, adopt=True, source={"K9": row("K9", 4)})
    assert (update.key, update.state, update.row_number, update.source_id) == (
        "K9", EntryState.SYNCED, 4, (4,))
    assert update.remote is stray
    # It says what the CRM row says: the row's hash counts as synced, the next sync skips it.
    assert update.payload_hash == "row-K9"
    assert update.payload is not None
    assert update.payload["status"] == "New"  # the row's, not the server's Active
    assert "id" not in update.payload
    assert "eTag" not in update.payload


def test_an_adopted_referral_that_differs_from_its_row_is_left_to_the_next_sync() -> None:
    source = {"K9": row("K9", 4, dealValue=2000.0)}
    result = reconcile([remote("K9", "r9")], [], source=source)
    (update,) = ledger_updates(result, adopt=True, source=source)
    assert update.payload_hash is None  # so the planner patches the difference


def test_without_a_source_an_adopted_referral_keeps_its_body_without_server_fields() -> None:
    stray = remote("K9", "r9")
    payload = adopted_payload(stray, None)
    assert payload["externalReferenceId"] == "K9"
    assert not {"id", "eTag", "createdDateTime", "direction", "engagementId"} & set(payload)


def test_a_referral_without_key_is_reported_but_not_adoptable() -> None:
    result = reconcile([remote(None, "r9")], [])
    (finding,) = result.findings
    assert finding.category is Category.NOT_IN_LEDGER
    assert not finding.adoptable
    assert ledger_updates(result, adopt=True) == []


def test_duplicates_are_reported_and_only_the_earliest_is_adoptable() -> None:
    first, second = remote("K1", "r1"), remote("K1", "r2")
    result = reconcile([first, second], [])
    found = categories(result)
    assert found == {"duplicate": {"K1"}, "not_in_ledger": {"K1"}}
    adoptable = {f.remote_id: f.adoptable for f in result.of(Category.NOT_IN_LEDGER)}
    assert adoptable == {"r1": True, "r2": False}
    (update,) = ledger_updates(result, adopt=True)
    assert update.remote is first


def test_another_referral_with_a_known_key_is_reported_not_adopted() -> None:
    result = reconcile([remote("K1", "r1"), remote("K1", "r2")], [entry("K1", "r1")])
    (other,) = result.of(Category.NOT_IN_LEDGER)
    assert other.remote_id == "r2"
    assert not other.adoptable
    assert "the ledger records referral r1" in other.detail


def test_keys_of_other_mappings_and_incoming_referrals_are_not_ours() -> None:
    theirs = remote("OTHER-1", "r5")
    incoming = remote("K7", "r7", direction="Incoming")
    result = reconcile([theirs, incoming], [], other_keys=["OTHER-1"])
    assert result.findings == ()
    assert result.remote_count == 1


def test_a_pending_create_is_reported_with_what_the_key_finds() -> None:
    pending = entry("K1", None, state=EntryState.PENDING, status=None)
    found = reconcile([remote("K1", "r1")], [pending])
    (finding,) = found.findings
    assert finding.category is Category.PENDING
    assert "r1 carries this key" in finding.detail
    (lost,) = reconcile([], [pending]).findings
    assert "not found remotely" in lost.detail


def test_the_source_tells_unsynced_rows_and_keys_it_no_longer_holds() -> None:
    result = reconcile([remote("K1", "r1")], [entry("K1", "r1")],
                       source={"K2": row("K2", 2)})
    assert categories(result) == {"not_in_source": {"K1"}, "not_synced": {"K2"}}
    assert result.source_count == 1


def test_replay_gives_each_entry_its_last_outcome() -> None:
    entries = [entry("K1", "r1", row_number=2), entry("K2", None, state=EntryState.REJECTED,
                                                      row_number=3),
               entry("K3", "r3", row_number=4), entry("K4", "r4", source_id=(), row_number=None)]
    at = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    last = {"K1": {"outcome": "created", "at": at, "error": None},
            "K2": {"outcome": "rejected", "at": at, "error": "400 bad currency"}}
    results = {r.key: r for r in replayed_results(entries, last)}
    assert set(results) == {"K1", "K2", "K3"}  # K4 names no source row
    assert (results["K1"].outcome, results["K1"].synced_at, results["K1"].remote_id) == (
        Outcome.CREATED, at, "r1")
    assert (results["K2"].outcome, results["K2"].error) == (Outcome.REJECTED,
                                                            "400 bad currency")
    assert results["K3"].outcome is Outcome.UNCHANGED  # synced, no event kept
    assert results["K1"].source_id == ("K1",)


@pytest.mark.parametrize(("sent_value", "now_value", "same"), [
    ("2027-06-30T00:00:00Z", "2027-06-30T02:00:00.0000000+02:00", True),
    ("2027-06-30T00:00:00Z", "2027-06-30T00:00:01Z", False),
    ("2027-06-30", "2027-06-30", True),
    ("2027-06-30 notes", "2027-06-30 other", False),
    (True, 1, False),
    (10, 10.0, True),
])
def test_values_compare_by_meaning(sent_value: object, now_value: object, same: bool) -> None:
    drift = field_drift({"v": sent_value}, {"v": now_value})
    assert (drift == ()) is same
