"""Secrets never leak: a faulty collection's every output is searched for the token, the engine password and
the signatures of the download links the simulator handed out."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
from pathlib import Path

from copilot_usage.simulator import SimulatorServer, World
from copilot_usage.simulator.faults import Faults
from copilot_usage.store.client import client_from_settings
from tests.fixtures.engine import EngineProxy
from tests.fixtures.simulator import sim_config
from tests.reliability.harness import NOW, BulkRejecter, collect, settings_for

TOKEN = "ghp_R3liabilityT0kenNeverPrinted9z8y7x6w5v"
PASSWORD = "Pa55-es-n3ver-printed-Qx7"
USERNAME = "collector"
SIG_QUERY = re.compile(r"sig=[^&\s\"']+")


class RecordingSigner:
    """Wraps the simulator's link signer to remember every signature it issued (test instrumentation)."""

    def __init__(self, signer):
        self._signer = signer
        self.signatures: list[str] = []

    def query(self, path: str, expired: bool = False) -> str:
        query = self._signer.query(path, expired)
        self.signatures.append(query.split("sig=", 1)[1])
        return query

    def __getattr__(self, name: str):
        return getattr(self._signer, name)


def test_a_faulty_run_leaks_no_token_password_or_link_signature(es, engine_url, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)  # every logger, at its most talkative
    archive_dir = tmp_path / "archive"
    with SimulatorServer(World(sim_config(days=14)), token=TOKEN) as server:
        # The handlers issue the links; the server checks them with the same (unwrapped) signer.
        signer = RecordingSigner(server._handlers.signer)
        server._handlers.signer = signer  # type: ignore[assignment]
        proxy = EngineProxy(engine_url)
        rejecter = BulkRejecter(0.05, seed=301)
        proxy.handler = rejecter
        settings = settings_for(server.url, proxy.url, "sec_", GITHUB_PAT=TOKEN, ELASTICSEARCH_USERNAME=USERNAME,
                                ELASTICSEARCH_PASSWORD=PASSWORD, ARCHIVE_DIR=str(archive_dir))
        summaries = []
        try:
            for n, faults in enumerate([
                Faults(seed=301, fail_rate=0.3, throttle_rate=0.3, retry_after=0, truncate_rate=0.3),
                Faults(seed=302, expire_links=True),
                Faults(seed=303, rate_limit=20),
                Faults(),
            ]):
                server.faults = faults
                rejecter.enabled = n == 0
                client = client_from_settings(settings.store)
                try:
                    summaries.append(collect(settings, client, NOW + dt.timedelta(hours=n)))
                finally:
                    client.close()
        finally:
            proxy.close()

    assert signer.signatures, "no download link was issued: the search below would prove nothing"
    assert rejecter.rejected > 0
    assert any(s.errors for s in summaries)  # the faults were met, so error paths were exercised
    expected_auth = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert {r.headers.get("authorization") for r in proxy.requests} == {expected_auth}  # every request signs in

    captured = capsys.readouterr()
    texts = {
        "logs": "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records),
        "formatted logs": caplog.text,
        "stdout": captured.out,
        "stderr": captured.err,
        "summaries": "\n".join(s.log_line() + repr(s) for s in summaries),
        "archive names": "\n".join(str(p.relative_to(archive_dir)) for p in archive_dir.rglob("*")),
        "settings": repr(settings) + str(settings.describe()),
    }
    assert len(caplog.records) > 50  # DEBUG capture really worked
    assert list(Path(archive_dir).rglob("*.json*")) or list(Path(archive_dir).rglob("*")), "nothing archived"
    secrets = {"token": TOKEN, "password": PASSWORD,
               "basic credentials": expected_auth.split(" ", 1)[1]}
    secrets.update({f"signature {i}": sig for i, sig in enumerate(signer.signatures)})
    leaks = [f"{what} in {where}" for where, text in texts.items() for what, value in secrets.items()
             if value in text]
    leaks += [f"a sig= query in {where}" for where, text in texts.items() if SIG_QUERY.search(text)]
    assert leaks == []
