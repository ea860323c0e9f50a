"""Grafana dashboards as code: generated with grafana-foundation-sdk, committed under grafana/dashboards/."""
