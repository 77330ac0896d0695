"""A command run while `campaign serve` serves this CAMPAIGN_HOME uses its Prefect server instead of
starting an ephemeral one (~10-20 s each on this machine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from campaign.runtime.environment import prepare_prefect_environment, running_server, server_record
from campaign.runtime.stack import forget_server_record, write_server_record


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        body = b"true" if self.path == "/api/health" else b"false"
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server():
    server = HTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()


def test_a_running_server_is_used_and_a_dead_or_absent_one_is_not(campaign_home, health_server, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert running_server(campaign_home) is None  # `campaign serve` never ran here

    write_server_record(campaign_home, health_server, os.getpid())
    assert json.loads(server_record(campaign_home).read_text())["api_url"] == health_server
    prepare_prefect_environment()
    assert os.environ["PREFECT_API_URL"] == health_server

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_server_record(campaign_home, health_server, dead.pid)  # serve was killed: its record is stale
    assert running_server(campaign_home) is None
    forget_server_record(campaign_home, dead.pid)
    assert not server_record(campaign_home).exists()


def test_an_explicit_api_url_always_wins(campaign_home, health_server, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://elsewhere:4200/api")
    write_server_record(campaign_home, health_server, os.getpid())
    prepare_prefect_environment()
    assert os.environ["PREFECT_API_URL"] == "http://elsewhere:4200/api"
