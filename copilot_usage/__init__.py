"""Copilot Usage Advanced Dashboard: collect GitHub Copilot usage metrics into Elasticsearch."""

__version__ = "0.1.0"
