"""Reading legal texts into articles and keeping the Qdrant index in step with them."""

import os

# Set before any Hugging Face library loads: weights come from the installed package,
# never from a model hub, and their console chatter is not for advocates.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Nothing about the questions people ask leaves this computer.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
