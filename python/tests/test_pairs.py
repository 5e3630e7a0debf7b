"""`pairs`: dit's textbook distributions built from samples, the crate's
`pairs` example to the last bit, pair selection, warnings and errors."""

import math
import warnings

import numpy as np
import pytest
from conftest import activations, assert_releases_the_gil

import infoablate

REDUNDANCIES = ["mmi", "wb", "broja", "prec"]
COLUMNS = [
    "mi_1",
    "mi_2",
    "joint_mi",
    "interaction_info",
    *[f"red_{r}" for r in REDUNDANCIES],
    *[f"{atom}_{r}" for r in REDUNDANCIES for atom in ("unique_1", "unique_2", "synergy")],
]
# the textbook values of issue 11, to the digits given there
TEXTBOOK_TOL = 1e-9
# BROJA is the optimum of a convex program, solved to about this
BROJA_TOL = 1e-7
AND_REDUNDANCY = 0.311278124459
AND_INTERACTION = 2 - 0.75 * math.log2(3) - 2 * AND_REDUNDANCY  # H(Y) − mi_1 − mi_2, 0.188722

# (x1, x2, y) patterns, each equally often, and the values in bits
TEXTBOOK = {
    "AND": ([(0, 0, 0), (0, 1, 0), (1, 0, 0), (1, 1, 1)], AND_REDUNDANCY, AND_INTERACTION),
    "XOR": ([(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)], 0.0, 1.0),
    "RDN": ([(0, 0, 0), (1, 1, 1)], 1.0, -1.0),
}


def from_patterns(patterns, samples=200):
    """Two binary neurons (threshold 0.5) and the class, from equally
    frequent `(x1, x2, y)` patterns."""
    rows = np.array(patterns * (samples // len(patterns)))
    return rows[:, :2].astype(np.float32), rows[:, 2]


@pytest.mark.parametrize("name", TEXTBOOK)
def test_textbook_distributions_from_samples(name):
    patterns, redundancy, interaction = TEXTBOOK[name]
    acts, labels = from_patterns(patterns)
    p = infoablate.pairs(acts, labels, threshold=0.5)
    assert list(p) == ["i", "j", *COLUMNS]
    assert (p["i"].dtype, p["j"].dtype, p["mi_1"].dtype) == (np.int64, np.int64, np.float64)
    assert (p["i"].tolist(), p["j"].tolist()) == ([0], [1])
    for r in REDUNDANCIES:
        tol = BROJA_TOL if r == "broja" else TEXTBOOK_TOL
        assert p[f"red_{r}"][0] == pytest.approx(redundancy, abs=tol), r
        # the atoms add up: unique + redundancy = mi, and synergy = interaction + redundancy
        assert p[f"unique_1_{r}"][0] == pytest.approx(p["mi_1"][0] - redundancy, abs=tol), r
        assert p[f"synergy_{r}"][0] == pytest.approx(interaction + redundancy, abs=tol), r
    assert p["interaction_info"][0] == pytest.approx(interaction, abs=TEXTBOOK_TOL)
    nats = infoablate.pairs(acts, labels, threshold=0.5, units="nats")
    assert nats["red_wb"][0] == pytest.approx(redundancy * math.log(2), abs=TEXTBOOK_TOL)


CONFIGS = [
    (dict(quantizer="binary"), []),
    (dict(quantizer="binary", threshold=0.5, units="nats"), ["--threshold", "0.5", "--nats"]),
    (dict(quantizer="equal-width", bins=3, estimator="miller-madow"), ["--bins", "3", "--miller-madow"]),
    (dict(quantizer="zero-equal-width", bins=3), ["--bins", "3"]),
]


@pytest.mark.parametrize("config,flags", CONFIGS, ids=["-".join(map(str, c.values())) for c, _ in CONFIGS])
def test_equal_to_the_pairs_example_to_the_last_bit(reference, config, flags):
    acts, labels = activations(neurons=10)
    selected = np.array([[3, 1], [0, 9], [2, 5]])
    pair_file = reference.tmp / f"pairs-{config['quantizer']}.csv"
    pair_file.write_text("i,j\n" + "".join(f"{i},{j}\n" for i, j in selected))
    args = ["--acts", reference.save(acts), "--labels", reference.save(labels.astype(np.int64))]
    args += ["--quantizer", config["quantizer"], *flags]
    for chosen, selection in ((None, ["--all"]), (selected, ["--pairs", str(pair_file)])):
        expected = reference.example_csv("pairs", *args, *selection)
        got = infoablate.pairs(acts, labels, **config, pairs=chosen)
        assert list(got) == list(expected)
        for name in expected:
            np.testing.assert_array_equal(got[name], expected[name], err_msg=name)


def test_pairs_none_is_every_pair_and_a_selection_keeps_its_order():
    acts, labels = activations(neurons=6)
    every = infoablate.pairs(acts, labels)
    assert list(zip(every["i"], every["j"])) == [(i, j) for i in range(6) for j in range(i + 1, 6)]
    explicit = infoablate.pairs(acts, labels, pairs=np.stack([every["i"], every["j"]], axis=1).astype(np.uint8))
    for name in every:
        np.testing.assert_array_equal(explicit[name], every[name], err_msg=name)
    some = infoablate.pairs(acts, labels, pairs=np.array([[4, 2], [0, 5]]))
    assert (some["i"].tolist(), some["j"].tolist()) == ([4, 0], [2, 5])
    # (4, 2) is the pair (2, 4) with its neurons swapped
    k = [(i, j) for i, j in zip(every["i"], every["j"])].index((2, 4))
    assert (some["mi_1"][0], some["mi_2"][0]) == (every["mi_2"][k], every["mi_1"][k])
    assert some["joint_mi"][0] == pytest.approx(every["joint_mi"][k], abs=TEXTBOOK_TOL)
    none = infoablate.pairs(acts, labels, pairs=np.zeros((0, 2), dtype=np.int64))
    assert list(none) == ["i", "j", *COLUMNS] and all(len(v) == 0 for v in none.values())


def test_too_few_samples_warn_and_still_give_the_values():
    acts, labels = from_patterns(TEXTBOOK["XOR"][0], samples=4)
    with pytest.warns(UserWarning, match="4 samples are fewer than the 80"):
        p = infoablate.pairs(acts, labels, threshold=0.5)
    assert p["interaction_info"].tolist() == [1.0]
    acts, labels = from_patterns(TEXTBOOK["XOR"][0], samples=80)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        infoablate.pairs(acts, labels, threshold=0.5)


def test_bad_input_raises_with_the_crates_message():
    acts, labels = activations(neurons=10)
    with pytest.raises(ValueError, match=r"invalid neuron pair \(0, 10\) names a neuron outside the layer's 10"):
        infoablate.pairs(acts, labels, pairs=np.array([[0, 10]]))
    with pytest.raises(ValueError, match=r"\(2, 2\) repeats neuron 2"):
        infoablate.pairs(acts, labels, pairs=np.array([[0, 1], [2, 2]]))
    with pytest.raises(ValueError, match="negative"):
        infoablate.pairs(acts, labels, pairs=np.array([[-1, 2]]))
    for wrong in (np.array([0, 1]), np.array([[0.0, 1.0]]), np.array([[0, 1, 2]]), [(0, 1)]):
        with pytest.raises(TypeError, match="n × 2 integer array"):
            infoablate.pairs(acts, labels, pairs=wrong)
    with pytest.raises(ValueError, match=r"1 class\(es\) with samples; pair measures need at least 2"):
        infoablate.pairs(acts, np.zeros(len(labels), dtype=np.int64))
    with pytest.raises(ValueError, match="a batch of 499 × 10 with 500 labels"):
        infoablate.pairs(acts[:499], labels)
    with pytest.raises(ValueError, match="unknown estimator `bogus`"):
        infoablate.pairs(acts, labels, estimator="bogus")
    with pytest.raises(ValueError, match="bins do not apply"):
        infoablate.pairs(acts, labels, bins=3)
    with pytest.raises(TypeError, match="float32"):
        infoablate.pairs(acts.astype(np.float64), labels)
    bad = acts.copy()
    bad[4, 2] = np.nan
    with pytest.raises(ValueError, match="neuron 2, sample 4 is NaN"):
        infoablate.pairs(bad, labels)


def test_the_gil_is_released_while_measuring_pairs():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 10_000)
    acts = (rng.standard_normal((len(labels), 100)) + 0.5 * (labels[:, None] % 3 == np.arange(100) % 3)).astype(
        np.float32
    )
    assert_releases_the_gil(lambda: infoablate.pairs(acts, labels))


def test_closed_forms_only_and_recorded_failures():
    rng = np.random.default_rng(5)
    acts = rng.random((600, 3), dtype=np.float32)
    labels = rng.integers(0, 3, 600)
    full = infoablate.pairs(acts, labels, threshold=0.5)
    quick = infoablate.pairs(acts, labels, threshold=0.5, closed_forms_only=True)
    assert "red_broja" not in quick and "synergy_prec" not in quick and "red_wb" in quick
    for name in quick:
        np.testing.assert_array_equal(quick[name], full[name], err_msg=name)
    assert "failures" not in full
    assert infoablate.pairs(acts, labels, threshold=0.5, on_failure="record")["failures"] == []
    # Twenty bins a neuron and twelve classes are past the BROJA program's limit.
    labels = np.arange(4800) % 12
    s = np.arange(4800)
    acts = np.stack([(s // 12) % 20, (s // 12 + s // 240) % 20], axis=1).astype(np.float32)
    with pytest.raises(ValueError, match="pair"):
        infoablate.pairs(acts, labels, quantizer="equal-width", bins=20)
    recorded = infoablate.pairs(acts, labels, quantizer="equal-width", bins=20, on_failure="record")
    assert recorded["i"].tolist() == [] and len(recorded["failures"]) == 1
    i, j, message = recorded["failures"][0]
    assert (i, j) == (0, 1) and "BROJA" in message.upper(), message
    with pytest.raises(ValueError, match="on_failure"):
        infoablate.pairs(acts, labels, on_failure="skip")
