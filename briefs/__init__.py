"""Dossiers of collected articles, and what is made from them: notes de plaidoyer, workshop
kits, quizzes, and their exports (DOCX, PDF, Markdown, PPTX).

Legal text is never stored here: a dossier keeps references, and every export resolves
them against the corpus, so a quote is always the text as it stands in the library.
"""

import ingest  # noqa: F401,E402  (offline and no-telemetry settings, before Haystack loads)
