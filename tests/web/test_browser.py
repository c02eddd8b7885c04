"""The whole page in real headless Chromium: upload, preview, send, live progress, results,
download. Screenshots of every step land in tests/artifacts/ (web-*.png)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.fixtures.browser import BrowserPage
from tests.web.conftest import BAD_ROWS, GOOD_ROWS, LiveServer, WebEnv, write_entra_sheet

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SEND_TIMEOUT_MS = 180_000  # the first flow run of a session starts Prefect's temporary server
REJECTED_ROW = ["someone@sandbox.example", "https://myapps.microsoft.com", "false", ""]


def test_upload_preview_send_results_download(browser_page: BrowserPage,
                                              live_server: Callable[..., LiveServer],
                                              web_env: WebEnv, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    server = live_server()
    page = browser_page.page
    sheet = write_entra_sheet(tmp_path / "partners.xlsx", GOOD_ROWS + BAD_ROWS + [REJECTED_ROW])

    page.goto(server.url)
    expect(page.get_by_role("heading", name="Invite people from a spreadsheet")).to_be_visible()
    page.get_by_label("Spreadsheet").set_input_files(str(sheet))
    browser_page.screenshot("web-1-upload")
    page.get_by_role("button", name="Upload and check").click()

    # preview: counts, bad cells marked with the reason, nothing sent
    expect(page.get_by_role("heading", name="Preview: nothing has been sent")).to_be_visible()
    expect(page.locator("#kind-label")).to_contain_text("Entra bulk-invite template")
    expect(page.locator("#count-send")).to_have_text("4")
    expect(page.locator("#count-skip")).to_have_text("0")
    expect(page.locator("#count-refuse")).to_have_text("2")
    expect(page.locator("tr[data-row='7'] td.bad")).to_contain_text("http://insecure.example")
    expect(page.locator("tr[data-row='8'] td.bad .reason")).to_contain_text("a value is required")
    expect(page.locator("tr[data-row='4'] .badge")).to_have_text("send")
    assert page.locator("td.bad").count() == 2
    assert not web_env.sandbox.state()["invitations"]
    browser_page.screenshot("web-2-preview")

    # send: progress lives on the server, so a reload shows it too
    page.get_by_role("button", name="Send 4 invitations").click()
    expect(page.get_by_role("heading", name="Send")).to_be_visible()
    browser_page.screenshot("web-3-sending")
    page.reload()
    expect(page.locator("#progress-section")).to_be_visible()

    # results: per-row outcome, redeem link, error
    expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=SEND_TIMEOUT_MS)
    expect(page.locator("#state")).to_have_text("done")
    results = page.locator("#results tbody tr")
    expect(results).to_have_count(6)
    expect(page.locator("#results .badge-created")).to_have_count(3)
    expect(page.locator("#results .badge-rejected")).to_have_count(1)
    expect(page.locator("#results .badge-invalid")).to_have_count(2)
    expect(page.get_by_role("link", name="redeem link")).to_have_count(3)
    expect(page.locator("#results tr.outcome-rejected")).to_contain_text("verified domain")
    browser_page.screenshot("web-4-results")

    # the workbook with result columns appended
    with page.expect_download() as download_info:
        page.locator("#download").click()
    download = download_info.value
    assert download.suggested_filename == "partners-results.xlsx"
    saved = tmp_path / "downloaded.xlsx"
    download.save_as(saved)
    sheet_out = openpyxl.load_workbook(saved).active
    assert sheet_out is not None
    header = [c.value for c in sheet_out[2]]
    by_email = {row[0]: dict(zip(header, row, strict=False))
                for row in sheet_out.iter_rows(min_row=3, values_only=True)}
    ada = by_email["ada.lovelace@contoso.example"]
    assert ada["Invitation status"] == "created"
    assert ada["Invited user id"]
    assert str(ada["Redeem URL"]).startswith("https://")
    assert by_email["edsger@wingtip.example"]["Redeem URL"] is None
    invitations = web_env.sandbox.state()["invitations"]
    assert len(invitations) == 3
    assert by_email["someone@sandbox.example"]["Invitation status"] == "rejected"
    assert "verified domain" in str(by_email["someone@sandbox.example"]["Invitation error"])
    assert by_email["edsger@wingtip.example"]["Invitation status"] == "invalid"

    # history lists the upload with its outcome
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("link", name="partners.xlsx")).to_be_visible()
    expect(page.locator("table.grid")).to_contain_text("3 created")
    browser_page.screenshot("web-5-history")
    # a status poll in flight when the page reloads (the test's reload, or the page's own when
    # the send ends) is aborted by the browser; anything else is an error of the page
    errors = [e for e in browser_page.errors
              if not (e.endswith("net::ERR_ABORTED") and "/status.json" in e)]
    assert errors == [], errors


def test_sign_in_when_users_are_configured(browser_page: BrowserPage,
                                           live_server: Callable[..., LiveServer]) -> None:
    from playwright.sync_api import expect

    from entrypoints.web.security import User, hash_password

    server = live_server(users={"alice": User("alice", hash_password("s3cret-pw"))})
    page = browser_page.page

    page.goto(f"{server.url}/history")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Unknown user name or wrong password.")
    browser_page.screenshot("web-0-signin-refused")
    page.get_by_label("Password").fill("s3cret-pw")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Invite people from a spreadsheet")).to_be_visible()
    expect(page.locator(".who")).to_contain_text("Signed in as alice")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    # the sign-in page answered 401 once, on purpose: that is the only console error
    assert all("401" in e for e in browser_page.errors), browser_page.errors
