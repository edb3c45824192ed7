"""From vectors to suggestions: KMeans with a fixed seed (the same answers give the same suggestions), each cluster
named by its top class-based TF-IDF terms (words frequent in this cluster and rare in the others) and represented
by the answers nearest its centre; and the nearest codebook theme for an untagged answer."""

import dataclasses

import numpy as np

SEED = 7
TOP_TERMS = 5
WORDS = r"(?u)\b[a-zA-Z][a-zA-Z]+\b"  # words of two letters or more, no numbers


@dataclasses.dataclass
class Cluster:
    members: list[int]  # indexes into the texts, nearest the centre first
    distances: list[float]
    top_terms: list[str]

    @property
    def name(self) -> str:
        return suggested_name(self.top_terms)


def suggested_name(terms: list[str]) -> str:
    """A suggestion's name until a person names it: its top three terms."""
    return ", ".join(terms[:3]) or "(no distinctive words)"


def cluster(texts: list[str], vectors: np.ndarray, *, k: int, seed: int = SEED) -> list[Cluster]:
    """`k` clusters (fewer if there are fewer distinct answers), largest first."""
    from sklearn.cluster import KMeans

    k = max(1, min(k, len(texts), len(np.unique(vectors, axis=0))))
    kmeans = KMeans(n_clusters=k, random_state=seed, n_init=10).fit(vectors)
    labels = kmeans.labels_
    distances = np.linalg.norm(vectors - kmeans.cluster_centers_[labels], axis=1)
    terms = top_terms(texts, labels, k)
    clusters = []
    for number in range(k):
        members = sorted(np.flatnonzero(labels == number).tolist(), key=lambda i: float(distances[i]))
        clusters.append(Cluster(members, [float(distances[i]) for i in members], terms[number]))
    return sorted(clusters, key=lambda c: -len(c.members))


def top_terms(texts: list[str], labels: np.ndarray, k: int, *, n: int = TOP_TERMS) -> list[list[str]]:
    """Class-based TF-IDF: each cluster's answers as one document; a word's weight is its frequency there times
    log(1 + average words per cluster / its frequency in all)."""
    from sklearn.feature_extraction.text import CountVectorizer

    documents = [" ".join(t for t, label in zip(texts, labels, strict=True) if label == c) for c in range(k)]
    try:
        vectorizer = CountVectorizer(stop_words="english", ngram_range=(1, 2), min_df=1, token_pattern=WORDS)
        counts = vectorizer.fit_transform(documents).toarray().astype(float)
    except ValueError:  # nothing but stop words
        return [[] for _ in range(k)]
    words = vectorizer.get_feature_names_out()
    tf = counts / np.clip(counts.sum(axis=1, keepdims=True), 1, None)
    idf = np.log(1 + counts.sum(axis=1).mean() / np.clip(counts.sum(axis=0), 1, None))
    weights = tf * idf
    return [[str(words[i]) for i in np.argsort(-row)[:n] if row[i] > 0] for row in weights]


def nearest_themes(vectors: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each vector, the index of the nearest theme centre (the mean of its tagged answers' vectors) and a
    confidence in 0-1: the softmax weight of that theme over all themes, from cosine similarities."""
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    similarity = vectors @ (centroids / np.clip(norms, 1e-12, None)).T
    scaled = np.exp((similarity - similarity.max(axis=1, keepdims=True)) * 20)  # sharpen: cosines sit close
    weights = scaled / scaled.sum(axis=1, keepdims=True)
    best = weights.argmax(axis=1)
    return best, weights[np.arange(len(best)), best]


def split(vectors: np.ndarray, *, seed: int = SEED) -> np.ndarray:
    """Two groups' labels (0/1) for one suggestion's vectors."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=2, random_state=seed, n_init=10).fit(vectors).labels_
