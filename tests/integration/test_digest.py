"""The digest end to end: simulator -> collector -> real engine -> digest -> a local HTTP receiver (Slack and
Teams webhooks) and a local SMTP server (aiosmtpd, STARTTLS with a login). Numbers are checked against the
simulator's own report files and seat listing."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from copilot_usage.digest import cli as digest_cli
from copilot_usage.digest import render
from copilot_usage.run import run
from copilot_usage.schema import indices as ix
from copilot_usage.simulator import SimulatorServer, World
from tests.fixtures.simulator import SIM_AUTH, SIM_TODAY, report_rows, sim_config
from tests.integration.test_collect import NOW, ORGS, clock, settings_for

LAST = SIM_TODAY - dt.timedelta(days=2)
WEEK = [LAST - dt.timedelta(days=i) for i in range(7)]
PREVIOUS_WEEK = [LAST - dt.timedelta(days=7 + i) for i in range(7)]
ORG = ORGS[0]
WEBHOOK_TOKEN = "T000/B000/webhook-secret-token"
SMTP_USER, SMTP_PASSWORD = "digest", "smtp-secret-password"


class Receiver:
    """A local HTTP server recording every POST; answers `status`."""

    def __init__(self, status: int = 200):
        self.status = status
        self.posts: list[tuple[str, dict[str, Any]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.posts.append((self.path, json.loads(body)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/{WEBHOOK_TOKEN}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Inbox:
    """aiosmtpd handler keeping each message's envelope and bytes."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(tmp_path) -> Iterator[tuple[Inbox, int, str]]:
    """A local SMTP server that requires STARTTLS before AUTH; yields (inbox, port, CA bundle path)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    inbox = Inbox()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == SMTP_USER.encode() and \
            data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok)

    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticate, auth_require_tls=True)
    controller.start()
    yield inbox, port, str(bundle)
    controller.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def filled(es, engine_url, prefix) -> Iterator[SimulatorServer]:
    """Two full weeks of three simulated scopes, collected by the real collector."""
    with SimulatorServer(World(sim_config(days=20, users=30, teams=8))) as server:
        start = PREVIOUS_WEEK[-1].isoformat()
        summary = run(settings_for(server, engine_url, prefix, BACKFILL_START=start), es=es, now=clock(NOW))
        assert summary.ok, summary.errors
        yield server


def expected_lines(server: SimulatorServer) -> list[str]:
    """The organization's digest lines, computed from the simulator's files with the documented formulas."""
    def week(days: list[dt.date]) -> tuple[int, float]:
        rows = [report_rows(server, f"/orgs/{ORG}", "organization-1-day", d)[0] for d in days]
        gen = sum(r["code_generation_activity_count"] for r in rows)
        acc = sum(r["code_acceptance_activity_count"] for r in rows)
        return rows[0]["weekly_active_users"], acc / gen  # rows[0] is the week's last day

    (users, rate), (users_before, rate_before) = week(WEEK), week(PREVIOUS_WEEK)
    rate_line = f"Acceptance rate: {rate * 100:.1f}% ({(rate - rate_before) * 100:+.1f} pp vs {rate_before * 100:.1f}%)"
    diff = users - users_before
    users_line = f"Active users: {users:,}"
    if diff:
        users_line += f" ({diff:+,} ({diff / users_before * 100:+.1f}%) vs {users_before:,})"
    else:
        users_line += f" (+0 (+0.0%) vs {users_before:,})"

    import requests

    seats = requests.get(f"{server.url}/orgs/{ORG}/copilot/billing/seats", params={"per_page": 100},
                         headers=SIM_AUTH, timeout=10).json()["seats"]
    price = {"business": 19.0, "enterprise": 39.0}
    idle = never = 0.0
    idle_n = never_n = 0
    for seat in seats:
        last = seat.get("last_activity_at")
        cost = price.get(seat.get("plan_type") or "business", 19.0)
        if last is None:
            never, never_n = never + cost, never_n + 1
        elif (SIM_TODAY - dt.date.fromisoformat(last[:10])).days >= 28:
            idle, idle_n = idle + cost, idle_n + 1
    seat_line = (f"Unused seats: {idle_n} idle and {never_n} never used of {len(seats)}, costing "
                 f"{idle + never:,.2f} USD a month (idle {idle:,.2f} USD, never used {never:,.2f} USD; "
                 f"seats {SIM_TODAY.isoformat()})")
    assert len(seats) < 100  # one page holds them all
    # Adoption: active users over seats; the only seat snapshot (today's) serves both weeks.
    adoption, adoption_before = users / len(seats), users_before / len(seats)
    adoption_line = (f"Adoption (active users / seats): {adoption * 100:.1f}% "
                     f"({(adoption - adoption_before) * 100:+.1f} pp vs {adoption_before * 100:.1f}%) – target "
                     f"adoption >= 70%: {'met' if adoption >= 0.7 else 'missed'}")
    return [users_line, rate_line, seat_line, adoption_line]


def digest_env(engine_url: str, prefix: str, **extra: str) -> dict[str, str]:
    return {"ELASTICSEARCH_URL": engine_url, "INDEX_PREFIX": prefix, "COPILOT_USAGE_TODAY": SIM_TODAY.isoformat(),
            "TARGETS": "adoption>=70%", **extra}


def run_cli(argv: list[str], env: dict[str, str]) -> int:
    parser = argparse.ArgumentParser()
    digest_cli.add_arguments(parser)
    return digest_cli.run(parser.parse_args(argv), env=env)


def _org_block(slack_payload: dict[str, Any]) -> str:
    [block] = [b["text"]["text"] for b in slack_payload["blocks"] if b["type"] == "section"
               and f"organization:{ORG} " in b["text"]["text"]]
    return block


def test_digest_reaches_a_slack_webhook_and_an_smtp_server_with_the_right_numbers(
        filled, engine_url, prefix, receiver, smtp, capsys):
    inbox, port, ca = smtp
    env = digest_env(engine_url, prefix, DIGEST_WEBHOOK_URL=receiver.url, DIGEST_WEBHOOK_FORMAT="slack",
                     DIGEST_SMTP_HOST="127.0.0.1", DIGEST_SMTP_PORT=str(port), DIGEST_SMTP_USERNAME=SMTP_USER,
                     DIGEST_SMTP_PASSWORD=SMTP_PASSWORD, DIGEST_SMTP_CA_CERTS=ca,
                     DIGEST_EMAIL_FROM="copilot@example.com", DIGEST_EMAIL_TO="lead@example.com,cto@example.com",
                     DIGEST_LINK_URL="https://grafana.example.com/d/copilot-usage-advanced")
    assert run_cli([], env) == 0
    out = capsys.readouterr().out
    assert "webhook (slack): OK" in out
    assert "email via 127.0.0.1" in out
    assert out.count("OK") == 2

    expected = expected_lines(filled)
    [(path, payload)] = receiver.posts
    assert path == f"/services/{WEBHOOK_TOKEN}"
    block = _org_block(payload)
    for line in expected:
        slack_text = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # Slack's escaping
        assert f"• {slack_text}" in block, (line, block)
    assert "Biggest changes:" in block
    assert payload["text"].startswith(render.TITLE)
    assert {b["type"] for b in payload["blocks"]} == {"header", "section"}

    [(sender, recipients, raw)] = inbox.messages
    assert sender == "copilot@example.com"
    assert recipients == ["lead@example.com", "cto@example.com"]
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"].startswith(render.TITLE)
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "copilot-usage-digest.html"
    page = attachment.get_content()
    for line in expected:
        assert line in plain
        assert f"<li>{escape(line)}</li>" in html
        assert f"<li>{escape(line)}</li>" in page
    assert "https://grafana.example.com/d/copilot-usage-advanced" in plain


def test_teams_gets_an_adaptive_card_message(filled, engine_url, prefix, receiver):
    env = digest_env(engine_url, prefix, DIGEST_WEBHOOK_URL=receiver.url, DIGEST_WEBHOOK_FORMAT="teams")
    assert run_cli(["--scope", f"org:{ORG}"], env) == 0
    [(_, payload)] = receiver.posts
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    texts = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    for line in expected_lines(filled):
        assert line in texts


def test_failed_deliveries_are_reported_without_secrets_and_never_raise(filled, engine_url, prefix, capsys):
    refusing = Receiver(status=500)
    try:
        env = digest_env(engine_url, prefix, DIGEST_WEBHOOK_URL=refusing.url, DIGEST_WEBHOOK_FORMAT="slack",
                         DIGEST_SMTP_HOST="127.0.0.1", DIGEST_SMTP_PORT=str(_free_port()),
                         DIGEST_SMTP_USERNAME=SMTP_USER, DIGEST_SMTP_PASSWORD=SMTP_PASSWORD,
                         DIGEST_EMAIL_FROM="copilot@example.com", DIGEST_EMAIL_TO="lead@example.com")
        assert run_cli([], env) == 1
        assert len(refusing.posts) == 1  # tried once
    finally:
        refusing.close()
    captured = capsys.readouterr()
    shown = captured.out + captured.err
    assert "webhook (slack): FAILED – refused: HTTP 500" in shown
    assert "FAILED – not delivered: ConnectionRefusedError" in shown
    for secret in (WEBHOOK_TOKEN, "webhook-secret-token", SMTP_PASSWORD):
        assert secret not in shown

    # The Function's timer path: the same failures come back as results, nothing is raised.
    from copilot_usage.entry import send_digest

    results = send_digest({**env, "GITHUB_PAT": "unused", "ORGANIZATION_SLUGS": ORG,
                           "DIGEST_WEBHOOK_URL": "http://127.0.0.1:9/hooks/secret-path"})
    assert [r.ok for r in results] == [False, False]
    assert all("secret-path" not in r.detail for r in results)


def test_unknown_webhook_host_needs_the_format_and_no_target_is_an_error(filled, engine_url, prefix, capsys):
    env = digest_env(engine_url, prefix, DIGEST_WEBHOOK_URL="http://127.0.0.1:9/hook")
    assert run_cli([], env) == 1
    assert "set DIGEST_WEBHOOK_FORMAT" in capsys.readouterr().out
    assert run_cli([], digest_env(engine_url, prefix)) == 2
    assert "no digest target" in capsys.readouterr().err


def test_period_summary_documents_match_the_digest(filled, es, prefix):
    """What the dashboard row charts (period_summary, written by the run) is what the digest says."""
    hits = es.search(index=ix.PERIOD_SUMMARY.name(prefix), size=100,
                     query={"bool": {"filter": [{"term": {ix.SCOPE: ORG}}]}})["hits"]["hits"]
    by_period = {h["_source"][ix.PERIOD]: h["_source"] for h in hits}
    assert set(by_period) == {"week", "28d", "month"}
    week = by_period["week"]
    assert week[ix.DAY][:10] == LAST.isoformat()
    assert week[ix.PERIOD_START][:10] == WEEK[-1].isoformat()
    assert week[ix.PREVIOUS_END][:10] == PREVIOUS_WEEK[0].isoformat()
    rows = [report_rows(filled, f"/orgs/{ORG}", "organization-1-day", d)[0] for d in WEEK]
    assert week[ix.ACTIVE_USERS] == rows[0]["weekly_active_users"]
    gen = sum(r["code_generation_activity_count"] for r in rows)
    acc = sum(r["code_acceptance_activity_count"] for r in rows)
    assert week[ix.ACCEPTANCE_RATE] == pytest.approx(acc / gen, abs=1e-6)
    assert week[ix.DELTA_PREFIX + ix.ACCEPTANCE_RATE] == pytest.approx(
        week[ix.ACCEPTANCE_RATE] - week[ix.PREVIOUS_PREFIX + ix.ACCEPTANCE_RATE], abs=1e-6)
    assert week[ix.UNUSED_SEAT_COST] == pytest.approx(week[ix.IDLE_SEAT_COST] + week[ix.NEVER_USED_SEAT_COST])
    assert week[ix.CURRENCY] == "USD"
    assert 0 < week[ix.IDE_SHARE] <= 1
