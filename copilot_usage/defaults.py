"""The one place each default value lives: settings, clients, the demo and the benchmarks read them from here
so that changing a default is one line (issue 13: the API version default was written five times).

The README's configuration table shows the same values; tests/unit/test_settings_docs.py compares the two.
"""

from __future__ import annotations

# GitHub's REST API version we speak; the simulator also accepts the older 2022-11-28 (§7.5).
GITHUB_API_VERSION = "2026-03-10"
GITHUB_API_URL = "https://api.github.com"
# Read timeout of one request, to GitHub and to the engine (HTTP_TIMEOUT_SECONDS).
HTTP_TIMEOUT_SECONDS = 30.0
# Connecting to GitHub: a connection that takes longer will not get better (reads may be slow). Not a setting.
CONNECT_TIMEOUT_SECONDS = 10.0
RATE_LIMIT_MAX_WAIT_SECONDS = 120
RATE_LIMIT_RESERVE = 100
MAX_CONCURRENCY = 4
GITHUB_PAT_SECRET_NAME = "github-pat"  # noqa: S105 - the name of a Key Vault secret, not a secret

# What a collection run plans.
LATE_WINDOW_DAYS = 7
LATE_REFRESH_HOURS = 24.0
EXECUTION_INTERVAL_HOURS = 1.0

LOG_LEVEL = "INFO"

# The store.
ELASTICSEARCH_COMPAT = "auto"
# What ELASTICSEARCH_COMPAT accepts: auto-detect, or force one engine family.
ELASTICSEARCH_COMPAT_MODES = ("auto", "elasticsearch", "opensearch")
ELASTICSEARCH_URL = "http://localhost:9200"
INDEX_PREFIX = "copilot_"
# Documents per bulk request. In the bundled engine (benchmarks, ingestion) 2,000 per request wrote about
# twice as fast as 500 and 4,000 barely faster than 2,000; 2,000 of our documents are about 3 MB, inside
# the 5-15 MB Elasticsearch suggests for a bulk request.
BULK_MAX_DOCS = 2000
# Bytes per bulk request (the action and source lines): Elasticsearch suggests 5-15 MB; a single document
# larger than this still travels, alone.
BULK_MAX_BYTES = 5_000_000
