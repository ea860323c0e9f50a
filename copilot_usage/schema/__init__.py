"""What the documents look like: index definitions, `Doc`, deterministic ids.

Shaping, the store, the dashboards and the tests import it; it imports nothing that does I/O, so shaping
can build documents without importing the store.
"""
