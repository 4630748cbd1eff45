"""From a plain-French question to the articles that answer it, and the answer card."""

import ingest  # noqa: F401  (offline and no-telemetry settings, before Haystack loads)
