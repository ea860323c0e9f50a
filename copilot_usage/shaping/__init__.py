"""Records -> documents, as pure functions: no I/O, no logging, no HTTP or Elasticsearch imports.

aggregate.shape_aggregate, users.UsersShaper (+ membership_from_user_teams), repos.shape_repo,
seats.SeatsShaper, teams.shape_team, adoption.score_window. A record that cannot be shaped raises
errors.RecordError; the caller counts it and sets it aside. Field names come from schema/indices.py.
"""
