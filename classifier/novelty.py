"""How familiar a text is to the model, and the cut-off below which it must not be dispatched alone.

A linear model is confident wherever one heavily weighted n-gram dominates a short text, however far
the text is from anything it was trained on: "酒店订了房到了说没房" (a hotel booking) went to 城乡建设 at
p = 1.00 because of 房. The probability cannot see that; a distance to the training data can.

Familiarity is the cosine similarity of a text's TF-IDF features to the nearest class centroid (the
mean of the L2-normalised training rows of that class, itself L2-normalised). It never changes which
label comes first; it only withholds automatic dispatch below a cut-off.

The cut-off is a low quantile of out-of-fold familiarity (each training row, and each caller-like copy,
scored against centroids built without it and its original): by construction, that share of texts like
the training data would be held back, and texts further from it than nearly all of them are. Titled
and untitled messages get their own cut-off, as they get their own threshold.

Everything kept is a plain array (the centroids as CSR data/indices/indptr), so a model's inference form
can compute the score without scikit-learn.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

# Entries kept in the centroids: 6 bytes each in the model file (float16 value, int32 column), ~0.5 MB.
MAX_ENTRIES = 80_000

# No cut-off: every text counts as familiar (models without a familiarity score, or the score off).
ALWAYS_FAMILIAR = -1.0


def _row_normalised(X: sp.spmatrix) -> sp.csr_matrix:
    X = sp.csr_matrix(X, dtype=np.float64)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ X)


def class_centroids(
    X: sp.spmatrix, y_index: np.ndarray, n_classes: int, max_entries: int | None = MAX_ENTRIES
) -> sp.csr_matrix:
    """(n_classes, n_features): the mean of each class's L2-normalised rows, L2-normalised.

    Normalising rows first lets every text count once, long or short; a class without rows gets an
    empty centroid (similarity 0). At most `max_entries` entries are kept, the largest of each class in
    equal shares (then the rows are normalised again): the rest are n-grams seen once in a large class,
    which move a cosine by little but would add a sparse copy of the training data to the model file
    (the demo city's model is within 1.3 MB of the 20 MB limit).
    """
    y_index = np.asarray(y_index, dtype=np.int64)
    membership = sp.csr_matrix(
        (np.ones(len(y_index)), (y_index, np.arange(len(y_index)))), shape=(n_classes, len(y_index))
    )
    centroids = sp.csr_matrix(membership @ _row_normalised(X))
    if max_entries is not None and centroids.nnz > max_entries:
        centroids = _largest_per_row(centroids, max(1, max_entries // n_classes))
    return _row_normalised(centroids)


def _largest_per_row(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Each row's `k` largest entries (ties broken by column order), the others dropped."""
    rows, columns, values = [], [], []
    for i in range(matrix.shape[0]):
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        keep = start + np.argsort(-matrix.data[start:end], kind="stable")[:k]
        rows.append(np.full(len(keep), i))
        columns.append(matrix.indices[keep])
        values.append(matrix.data[keep])
    return sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
                         shape=matrix.shape)


def similarity(X: sp.spmatrix, centroids: sp.spmatrix) -> np.ndarray:
    """Cosine similarity of each row of X to its nearest centroid (0 for a text with no known term)."""
    if X.shape[0] == 0:
        return np.zeros(0)
    cosines = (_row_normalised(X) @ sp.csr_matrix(centroids).T).toarray()
    return cosines.max(axis=1) if cosines.shape[1] else np.zeros(X.shape[0])


def out_of_fold_similarity(
    X: sp.spmatrix, y_index: np.ndarray, folds: Iterable[tuple[np.ndarray, np.ndarray]], n_classes: int
) -> np.ndarray:
    """Each row's similarity to centroids built on the folds that did not hold it."""
    X = sp.csr_matrix(X)
    scores = np.full(X.shape[0], np.nan)
    for train_rows, test_rows in folds:
        centroids = class_centroids(X[train_rows], np.asarray(y_index)[train_rows], n_classes)
        scores[test_rows] = similarity(X[test_rows], centroids)
    return scores


def cutoff(scores: np.ndarray, quantile: float) -> float:
    """The `quantile` of out-of-fold similarities: texts below it are further from the training data
    than all but that share of texts drawn from it."""
    scores = np.asarray(scores, dtype=np.float64)
    scores = scores[~np.isnan(scores)]
    if not len(scores):
        return ALWAYS_FAMILIAR
    return float(np.quantile(scores, quantile))


class Familiarity:
    """The class centroids as plain arrays, and the two cut-offs (titled, untitled messages).

    Saved as (n_classes, n_features) in CSR form (its row pointers are one per class; transposed they
    would be one per feature, up to 1 MB more); computed with the transpose, built once per loaded
    model, so that a message's similarity is one sparse product walking only the rows of its own
    n-grams (transposing at every prediction cost 3 ms).
    """

    def __init__(self, centroids: sp.spmatrix, titled_cutoff: float, untitled_cutoff: float):
        centroids = sp.csr_matrix(centroids)
        # float16 values: the centroids are as large as a sparse copy of the training data, and a cosine
        # needs no more precision than the float16 weights of the SVM have.
        self.data_ = centroids.data.astype(np.float16)
        self.indices_ = centroids.indices.astype(np.int32)
        self.indptr_ = centroids.indptr.astype(np.int64)
        self.shape_ = np.asarray(centroids.shape, dtype=np.int64)
        self.titled_cutoff_ = float(titled_cutoff)
        self.untitled_cutoff_ = float(untitled_cutoff)

    def __getstate__(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if not key.startswith("_")}

    def centroids_t(self) -> sp.csr_matrix:
        """(n_features, n_classes), built from the arrays once per loaded model."""
        if getattr(self, "_centroids_t", None) is None:
            centroids = sp.csr_matrix((self.data_.astype(np.float32), self.indices_, self.indptr_),
                                      shape=tuple(int(n) for n in self.shape_))
            self._centroids_t = sp.csr_matrix(centroids.T)
        return self._centroids_t

    def scores(self, X: sp.spmatrix) -> np.ndarray:
        """Cosine similarity to the nearest centroid (the centroids have unit length)."""
        X = sp.csr_matrix(X, dtype=np.float32)
        if X.shape[0] == 0:
            return np.zeros(0)
        products = (X @ self.centroids_t()).toarray()
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel())
        nearest = products.max(axis=1) if products.shape[1] else np.zeros(X.shape[0])
        return np.divide(nearest, norms, out=np.zeros(X.shape[0]), where=norms > 0)

    def cutoffs(self, untitled: np.ndarray) -> np.ndarray:
        return np.where(np.asarray(untitled, dtype=bool), self.untitled_cutoff_, self.titled_cutoff_)

    def familiar(self, X: sp.spmatrix, untitled: np.ndarray) -> np.ndarray:
        """True where a text is at least as close to the training data as its cut-off asks."""
        return self.scores(X) >= self.cutoffs(untitled)


def fit_familiarity(
    X: sp.spmatrix, y_index: np.ndarray, n_classes: int, folds: Iterable[tuple[np.ndarray, np.ndarray]],
    untitled: np.ndarray, quantile: float,
) -> Familiarity:
    """Centroids on all training rows; each cut-off the `quantile` of the out-of-fold similarities of
    its kind of message (titled rows; untitled rows and caller-like copies). A kind without rows takes
    the other's cut-off."""
    untitled = np.asarray(untitled, dtype=bool)
    oof = out_of_fold_similarity(X, y_index, folds, n_classes)
    titled_cutoff = cutoff(oof[~untitled], quantile) if (~untitled).any() else cutoff(oof, quantile)
    untitled_cutoff = cutoff(oof[untitled], quantile) if untitled.any() else titled_cutoff
    return Familiarity(class_centroids(X, y_index, n_classes), titled_cutoff, untitled_cutoff)
