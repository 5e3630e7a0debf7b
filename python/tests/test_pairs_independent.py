"""The `pairs` example against independent implementations
(`pairs_independent.py`) on pairs of real neurons: the ReLU layer of a small
MLP trained (numpy, seeded) on the shipped MNIST sample, recorded on the
sample's test images. Closed forms against dit to 1e-9, `red_broja` against
cvxpy's exponential-cone program to 1e-6, `red_prec` against the vertices of
the channel polytope enumerated by cddlib to 1e-6, on ten classes and on
one-vs-rest targets `Y = [class = c]` with one bit and with three bins a
neuron (where `red_prec` is not 0)."""

import numpy as np
import pytest
from conftest import REPO

pytest.importorskip("dit", reason="the closed forms are checked against dit (pip install dit)")
pytest.importorskip("cvxpy", reason="red_broja is checked against cvxpy (pip install cvxpy)")
pytest.importorskip("cdd", reason="red_prec is checked against cddlib (pip install pycddlib-standalone)")

import pairs_independent as ind  # noqa: E402

# dit and the crate sum the same terms in another order
CLOSED_TOL = 1e-9
# two convex programs solved to their tolerances; a vertex enumeration in floats
SOLVED_TOL = 1e-6
CLOSED = ["mi_1", "mi_2", "joint_mi", "interaction_info", "red_mmi", "red_wb"]
WIDTH = 40


@pytest.fixture(scope="module")
def layer():
    return ind.mnist_relu_layer(REPO, WIDTH)


def alive_pairs(bins, count, seed):
    """`count` distinct pairs of neurons with at least two occupied bins."""
    alive = [i for i in range(bins.shape[1]) if len(np.unique(bins[:, i])) > 1]
    rng = np.random.default_rng(seed)
    chosen = set()
    while len(chosen) < count:
        i, j = sorted(rng.choice(alive, 2, replace=False).tolist())
        chosen.add((i, j))
    return sorted(chosen)


# (quantizer, bins, one-vs-rest class or None, pairs, seed)
CASES = [
    ("binary", None, None, 6, 1),
    ("binary", None, 3, 6, 2),
    ("equal-width", 3, 7, 3, 3),
]


@pytest.mark.parametrize("quantizer,bins,one_vs_rest,count,seed", CASES)
def test_the_pairs_example_equals_independent_implementations(reference, layer, quantizer, bins, one_vs_rest, count, seed):
    acts, labels = layer
    if one_vs_rest is not None:
        labels = (labels == one_vs_rest).astype(np.int64)
    codes = ind.quantize(acts, quantizer, bins=bins)
    pairs = alive_pairs(codes, count, seed)
    pair_file = reference.tmp / f"pairs-{quantizer}-{one_vs_rest}.csv"
    pair_file.write_text("i,j\n" + "".join(f"{i},{j}\n" for i, j in pairs))
    flags = ["--quantizer", quantizer] + (["--bins", str(bins)] if bins else [])
    out = reference.example_csv(
        "pairs", "--acts", reference.save(acts), "--labels", reference.save(labels), *flags, "--pairs", str(pair_file)
    )
    assert [(int(i), int(j)) for i, j in zip(out["i"], out["j"])] == pairs
    nonzero_prec = 0
    for k, (i, j) in enumerate(pairs):
        n = ind.pair_counts(codes[:, i], codes[:, j], labels)
        for column, value in ind.closed_forms(n).items():
            assert out[column][k] == pytest.approx(value, abs=CLOSED_TOL), (i, j, column)
        assert out["red_broja"][k] == pytest.approx(ind.red_broja(n), abs=SOLVED_TOL), (i, j)
        prec, _ = ind.red_prec(n)
        assert out["red_prec"][k] == pytest.approx(prec, abs=SOLVED_TOL), (i, j)
        nonzero_prec += prec > 1e-3
    if one_vs_rest is not None:
        # the non-generic case the column-space shortcut does not settle
        assert nonzero_prec > 0


def test_two_copies_of_class_below_five_have_nine_vertices():
    """The issue's `n_q = 3` case, in the enumeration's own variables."""
    n = np.zeros((2, 2, 10), np.int64)
    for y in range(10):
        n[int(y < 5), int(y < 5), y] = 3
    prec, vertices = ind.red_prec(n)
    assert vertices == 9
    assert prec == pytest.approx(1.0, abs=CLOSED_TOL)
