"""Low-rank updates to the question side of the embedding model, learnt from example questions.

People describe situations; the law names offences. Rank-8 updates to every linear layer of
the encoder (about 660,000 numbers, 1.3 MB) are trained so that the team's questions land
near the articles that answer them, against the corpus vectors as indexed: the articles are
not re-embedded, only questions go through the updated model. Dense retrieval alone gains
far more than with the linear map on the question vector this replaces (primary@5, `musoya
eval`, base → updated: gold 0.43 → 0.57, fresh 0.28 → 0.50, sealed 0.38 → 0.53, final 0.20 →
0.42; the map gave 0.39, 0.30, 0.30 on the first three).
The updates are merged into a copy of the model at first use (ingest/model.py), so a
question costs what it did.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ingest.model import PREFIX_QUERY
from search.examples import fingerprint

ENCODER = Path(__file__).with_name("query_encoder.npz")
RANK = 8
EPOCHS = 4
MAX_TOKENS = 128  # questions, even long stories, fit


def _low_rank(torch):
    class LowRank(torch.nn.Module):
        """A frozen linear layer plus a trainable product B·A (B starts at zero: no change)."""

        def __init__(self, base, rank: int, generator):
            super().__init__()
            self.base = base
            self.a = torch.nn.Parameter(torch.randn(rank, base.in_features, generator=generator)
                                        / math.sqrt(base.in_features))
            self.b = torch.nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x):
            return self.base(x) + (x @ self.a.T) @ self.b.T

    return LowRank


def fit(model_dir: str, questions: list[str], targets: list[int], chunks: np.ndarray, chunk_article: np.ndarray,
        epochs: int = EPOCHS, lr: float = 3e-4, batch: int = 32, temperature: float = 0.05, seed: int = 13,
        progress=None) -> dict[str, np.ndarray]:
    """Full-softmax contrastive training over every article; an article scores its best chunk.

    Returns each updated layer's A and B, keyed "<layer>.a" / "<layer>.b".
    """
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = SentenceTransformer(model_dir, device="cpu", local_files_only=True)
    encoder, tokenizer = model[0].auto_model, model.tokenizer
    for parameter in encoder.parameters():
        parameter.requires_grad = False
    LowRank = _low_rank(torch)
    layers = [n for n, m in encoder.named_modules() if isinstance(m, torch.nn.Linear) and n.startswith("encoder.")]
    for name in layers:
        parent, leaf = name.rsplit(".", 1)
        owner_module = encoder.get_submodule(parent)
        setattr(owner_module, leaf, LowRank(getattr(owner_module, leaf), RANK, generator))
    trainable = [p for p in encoder.parameters() if p.requires_grad]

    c = torch.from_numpy(np.asarray(chunks, dtype=np.float32))
    owner = torch.from_numpy(np.asarray(chunk_article)).long()
    n_articles = int(owner.max()) + 1
    y = torch.tensor(targets)
    texts = [PREFIX_QUERY + q for q in questions]
    steps = epochs * math.ceil(len(texts) / batch)
    optimiser = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(  # short warm-up, then linear decay
        optimiser, lambda s: min(1.0, (s + 1) / 20) * max(0.0, 1 - s / steps))
    encoder.train()
    done = 0
    for _ in range(epochs):
        order = torch.randperm(len(texts), generator=generator).tolist()
        for start in range(0, len(order), batch):
            picked = order[start:start + batch]
            tokens = tokenizer([texts[i] for i in picked], padding=True, truncation=True, max_length=MAX_TOKENS,
                               return_tensors="pt")
            hidden = encoder(**tokens).last_hidden_state
            mask = tokens["attention_mask"].unsqueeze(-1).float()
            q = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
            scores = torch.full((len(picked), n_articles), -1e4).scatter_reduce(
                1, owner.expand(len(picked), -1), q @ c.T / temperature, reduce="amax")
            loss = torch.nn.functional.cross_entropy(scores, y[picked])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            done += 1
            if progress:
                progress(done, steps)
    updates = {}
    for name in layers:
        module = encoder.get_submodule(name)
        updates[f"{name}.a"] = module.a.detach().numpy()
        updates[f"{name}.b"] = module.b.detach().numpy()
    return updates


def save(updates: dict[str, np.ndarray], pairs: list[dict], out: Path = ENCODER, epochs: int = EPOCHS,
         seed: int = 13) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **{k: v.astype(np.float16) for k, v in updates.items()},
                        pairs=fingerprint(pairs), epochs=epochs, seed=seed)
    tmp.replace(out)
    return out
