"""How an answer's vector is kept in `AnswerEmbedding.vector`: float32 bytes, little-endian. The one encoder and
decoder, so the job that stores vectors, splitting a suggestion and "answers like this one" read the same bytes
the same way."""

from collections.abc import Iterable

import numpy as np

DTYPE = np.dtype("<f4")


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=DTYPE).tobytes()


def vector_from_bytes(data: bytes | memoryview) -> np.ndarray:
    """One stored vector (PostgreSQL gives a memoryview, SQLite bytes) as float32."""
    return np.frombuffer(bytes(data), dtype=DTYPE).astype(np.float32, copy=False)


def vectors_from_bytes(rows: Iterable[bytes | memoryview]) -> np.ndarray:
    """Several stored vectors as one matrix, a row each."""
    return np.stack([vector_from_bytes(data) for data in rows])
