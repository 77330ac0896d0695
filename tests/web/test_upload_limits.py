"""Uploads on a real socket: the size limit holds while streaming; hostile files get their reasons."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from campaign.db import models as m
from campaign.db.session import session_scope
from tests.web.conftest import issue
from tests.web.live import live_portal

LIMIT = 1024 * 1024


@pytest.fixture
def limited_app(portal_home, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_MAX_UPLOAD_BYTES", str(LIMIT))
    from campaign.web.app import create_app
    from tests.web.conftest import AS_OF

    return create_app(as_of=AS_OF)


def _signed_in(base: str, code: str = "DDK001") -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    assert client.get(issue(code)).status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/home").text).group(1)
    return client, csrf


def _multipart(csrf: str, name: str, chunks, sent: list[int], boundary: str = "----campaignTestBoundary"):
    """A streamed multipart body (no Content-Length): the CSRF field first, then the file in chunks."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()

    def body():
        yield head
        for chunk in chunks:
            sent.append(len(chunk))
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    return body(), {"content-type": f"multipart/form-data; boundary={boundary}"}


def test_upload_over_the_limit_is_refused_while_streaming_and_nothing_is_kept(limited_app, portal_home):
    total = 64 * LIMIT  # 64 MiB announced by no header: only counting while streaming can stop it
    with live_portal(limited_app) as base:
        client, csrf = _signed_in(base)
        sent: list[int] = []
        chunks = (b"\0" * 65536 for _ in range(total // 65536))
        body, headers = _multipart(csrf, "DDK001_task-list-2023.xlsx", chunks, sent)
        try:
            r = client.post("/deliverables/task-list-2023/upload", content=body, headers=headers)
            status, page = r.status_code, r.text
        except httpx.HTTPError:
            # The server may close the connection while the client is still sending: that is the point.
            status, page = 413, "文件超过"
        assert status == 413 and "文件超过" in page
        # Announced too large: refused before reading the body at all.
        r = client.post(
            "/deliverables/task-list-2023/upload",
            content=b"x" * (LIMIT + 200_000),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
        assert r.status_code == 413 and "1.0 MB" in r.text
    with session_scope() as s:
        refused = s.scalars(
            select(m.AuditEvent).where(m.AuditEvent.action == "web.upload_refused").order_by(m.AuditEvent.id)
        ).all()
        assert s.query(m.Submission).count() == 0
    assert [e.detail["reason"] for e in refused] == ["too_large", "too_large"]
    # The server read a little past the limit, not the 64 MiB the client offered, and kept none of it.
    assert LIMIT < refused[0].detail["bytes_read"] < 4 * LIMIT
    assert refused[1].detail["bytes_read"] == 0
    assert not [p for p in (portal_home / "web-uploads").rglob("*") if p.is_file()]


def test_hostile_files_through_the_form_are_refused_with_their_reason(limited_app, portal_home, tmp_path):
    from campaign.config.model import load_config
    from campaign.documents.generate import write_document
    from campaign.workbook.generate import write_task_list
    from tests.hostile.make_corpus import build_corpus
    from tests.support.filling import fill

    config = load_config()
    tpl = write_task_list(config, config.enterprise("DDK001"), config.deliverable("task-list-2023"), tmp_path / "src")
    filled = fill(tpl, tmp_path / "src" / "filled.xlsx")
    docx = write_document(config.enterprise("DDK001"), config.deliverable("targets-2023"), tmp_path / "src")
    expected = build_corpus(tmp_path / "corpus", filled, docx, LIMIT)
    hostile = {"E_ZIP_BOMB", "E_XML_BOMB", "E_MACRO", "E_EMBEDDED", "E_CORRUPT", "E_FORMULA", "E_EXTERNAL_LINK"}
    chosen = {name: code for name, code in expected.items() if code in hostile and name.endswith((".xlsx", ".xlsm"))}
    assert len(chosen) == 13
    with live_portal(limited_app) as base:
        client, csrf = _signed_in(base)
        for name, code in chosen.items():
            data = (tmp_path / "corpus" / name).read_bytes()
            r = client.post(
                "/deliverables/task-list-2023/upload", data={"csrf_token": csrf}, files={"file": (name, data)}
            )
            assert r.status_code == 303, (name, r.status_code, r.text[:300])
            page = client.get(r.headers["location"]).text
            assert "已退回" in page and f"<code>{code}</code>" in page, (name, code)
            assert "修改方法" in page
        # The oversized one from the corpus is stopped at the door.
        big = tmp_path / "corpus" / "DDK001_task-list-2023.xlsx"
        r = client.post(
            "/deliverables/task-list-2023/upload",
            data={"csrf_token": csrf},
            files={"file": (big.name, big.read_bytes())},
        )
        assert r.status_code == 413
        with session_scope() as s:
            subs = s.scalars(select(m.Submission)).all()
            assert len(subs) == len(chosen) and all(x.status == "rejected" and x.stored_path is None for x in subs)
            assert {x.enterprise.code for x in subs} == {"DDK001"}
        assert not (portal_home / "files").exists()  # hostile bytes never reach the store
        # A path in the file name is only a name: the last component is kept, nothing is written elsewhere.
        traversal = next(n for n in expected if n.startswith(".."))
        r = client.post(
            "/deliverables/task-list-2023/upload",
            data={"csrf_token": csrf},
            files={"file": (traversal, (tmp_path / "corpus" / traversal).read_bytes())},
        )
        page = client.get(r.headers["location"]).text
        assert "已接收（回执）" in page and "DDK001_task-list-2023.xlsx" in page and ".." not in page
    assert not [p for p in (portal_home / "web-uploads").rglob("*") if p.is_file()]
