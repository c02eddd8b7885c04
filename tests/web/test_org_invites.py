"""Partner Center organization invites from the shipped sample, through the page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from entrypoints.web.store import UploadState
from tests.web.conftest import csrf_of, web_of
from tests.web.test_kinds import SAMPLES, SHIPPED
from tests.web.test_security import post_upload

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
SAMPLE = SAMPLES / "partner-center-org-invites.xlsx"


async def test_org_invites_without_a_partner_center_sign_in_fail_clearly(
        make_app: Callable[..., Starlette],
        client_for: Callable[[Starlette], httpx.AsyncClient], tmp_path: Path) -> None:
    if not SAMPLE.exists():
        pytest.skip("no partner-center-org-invites sample")
    app = make_app(mappings_dir=SHIPPED)
    client = client_for(app)
    page = await post_upload(client, SAMPLE, csrf_of((await client.get("/")).text))
    assert "Organization" in page.text or "Shared referrals" in page.text
    assert 'id="count-send">' in page.text

    await client.post(f"{page.url.path}/send", data={"csrf": csrf_of(page.text)})
    web_of(app).sender.join(120)

    upload = web_of(app).store.uploads()[0]
    assert upload.state is UploadState.FAILED
    assert upload.message
    assert "sign" in upload.message.lower() or "token" in upload.message.lower()
    assert "input.xlsx" not in upload.message
    done = await client.get(page.url.path)
    assert 'id="message"' in done.text
