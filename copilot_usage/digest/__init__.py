"""Digests: a short per-scope summary delivered to a Teams or Slack webhook and by email (SMTP)."""
