"""Measurements of Musoya: retrieval quality, speed, scale, load; figures under evals/results/."""

import ingest  # noqa: F401  (offline and no-telemetry settings, before Haystack loads)
