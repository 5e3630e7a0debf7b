"""`scores` and `Accumulator`: hand-computed cases, the Rust crate to the
last bit, scikit-learn's mutual information, and errors."""

import numpy as np
import pytest
from conftest import activations, assert_releases_the_gil

import infoablate

MEASURES = ["entropy", "mutual_info", "kl_selectivity", "csi"]
# scikit-learn sums the same terms in another order
SKLEARN_TOL = 1e-12
# class means of merged accumulators are sums of partial sums
MERGE_TOL = 1e-12


def test_hand_computed():
    # neuron 0 fires for class 1 only (1 bit of everything); neuron 1 for every sample
    acts = np.array([[0, 1], [0, 2], [3, 1], [1, 2]], dtype=np.float32)
    s = infoablate.scores(acts, np.array([0, 0, 1, 1]))
    assert list(s) == MEASURES
    for name in MEASURES:
        assert s[name].dtype == np.float64
        assert s[name].tolist() == [1.0, 0.0]
    nats = infoablate.scores(acts, np.array([0, 0, 1, 1]), units="nats")
    assert nats["mutual_info"][0] == pytest.approx(np.log(2), abs=1e-15)


CONFIGS = [
    dict(quantizer="binary"),
    dict(quantizer="binary", threshold=0.5, units="nats"),
    dict(quantizer="equal-width", bins=8),
    dict(quantizer="zero-equal-width", bins=5, estimator="miller-madow"),
    dict(quantizer="equal-frequency", bins=4),
    dict(quantizer="equal-width", estimator="miller-madow", units="nats"),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_equal_to_the_crate_to_the_last_bit(reference, config):
    acts, labels = activations()
    expected = reference.run(
        "scores",
        reference.save(acts),
        reference.save(labels.astype(np.int64)),
        config["quantizer"],
        str(config.get("bins", "-")),
        str(config.get("threshold", "-")),
        config.get("estimator", "plugin"),
        config.get("units", "bits"),
    )
    got = infoablate.scores(acts, labels, **config)
    for name in MEASURES:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=name)


def test_labels_of_any_integer_dtype_and_layout_give_the_same_bits():
    acts, labels = activations()
    base = infoablate.scores(acts, labels)
    fortran = np.asfortranarray(acts)
    for variant in (infoablate.scores(fortran, labels.astype(np.uint8)), infoablate.scores(acts, labels.astype(np.int32))):
        for name in MEASURES:
            np.testing.assert_array_equal(variant[name], base[name])


def test_mutual_information_matches_scikit_learn_on_binned_data():
    sklearn_metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is not installed")
    acts, labels = activations()
    binary = infoablate.scores(acts, labels, units="nats")
    width = infoablate.scores(acts, labels, quantizer="equal-width", bins=6, units="nats")
    for j in range(acts.shape[1]):
        a = acts[:, j].astype(np.float64)
        assert binary["mutual_info"][j] == pytest.approx(
            sklearn_metrics.mutual_info_score(labels, a > 0), abs=SKLEARN_TOL
        )
        lo, hi = a.min(), a.max()
        bins = np.zeros(len(a), int) if hi == lo else np.minimum(5, np.floor((a - lo) / (hi - lo) * 6)).astype(int)
        assert width["mutual_info"][j] == pytest.approx(sklearn_metrics.mutual_info_score(labels, bins), abs=SKLEARN_TOL)


def test_accumulator_in_batches_equals_scores_to_the_last_bit():
    acts, labels = activations()
    for config in (dict(), dict(quantizer="equal-width", bins=7, fit_on=acts)):
        acc = infoablate.Accumulator(5, **config)
        for start in range(0, len(labels), 128):
            acc.update(acts[start : start + 128], labels[start : start + 128])
        assert acc.num_samples == len(labels)
        config.pop("fit_on", None)
        whole = infoablate.scores(acts, labels, **config)
        got = acc.scores()
        for name in MEASURES:
            np.testing.assert_array_equal(got[name], whole[name], err_msg=name)


def test_merged_accumulators_equal_the_union():
    acts, labels = activations()
    parts = [infoablate.Accumulator(5) for _ in range(3)]
    for i, part in enumerate(parts):
        part.update(acts[i::3], labels[i::3])
    parts[0].merge(parts[1])
    parts[0].merge(parts[2])
    assert parts[0].num_samples == len(labels)
    whole = infoablate.scores(acts, labels)
    got = parts[0].scores()
    for name in ["entropy", "mutual_info", "kl_selectivity"]:  # from the counts: exact
        np.testing.assert_array_equal(got[name], whole[name], err_msg=name)
    np.testing.assert_allclose(got["csi"], whole["csi"], rtol=0, atol=MERGE_TOL)


def test_accumulator_errors():
    acts, labels = activations()
    acc = infoablate.Accumulator(5)
    with pytest.raises(ValueError, match="no sample"):
        acc.scores()
    with pytest.raises(ValueError, match="fit_on"):
        infoablate.Accumulator(5, quantizer="equal-frequency", bins=4)
    acc.update(acts[:10], labels[:10])
    bad = acts[10:20].copy()
    bad[3, 7] = np.nan
    with pytest.raises(ValueError, match="neuron 7, sample 13"):
        acc.update(bad, labels[10:20])
    assert acc.num_samples == 10  # the rejected batch left no trace
    with pytest.raises(ValueError, match="itself"):
        acc.merge(acc)
    other = infoablate.Accumulator(5, quantizer="equal-width", bins=3, fit_on=acts)
    other.update(acts[:10], labels[:10])
    with pytest.raises(ValueError, match="mismatch"):
        acc.merge(other)


def test_bad_input_raises_with_the_crates_message():
    acts, labels = activations()
    with pytest.raises(TypeError, match="float32"):
        infoablate.scores(acts.astype(np.float64), labels)
    with pytest.raises(TypeError, match="integer"):
        infoablate.scores(acts, labels.astype(np.float64))
    with pytest.raises(ValueError, match="499 rows of activations .* but 500 labels"):
        infoablate.scores(acts[:499], labels)
    with pytest.raises(ValueError, match="negative"):
        infoablate.scores(acts[:2], np.array([0, -1]))
    with pytest.raises(ValueError, match="exceed the limit"):
        infoablate.scores(acts[:2], np.array([0, 10**12]))
    with pytest.raises(ValueError, match="unknown quantizer `bogus`"):
        infoablate.scores(acts, labels, quantizer="bogus")
    with pytest.raises(ValueError, match="bins do not apply"):
        infoablate.scores(acts, labels, bins=3)
    with pytest.raises(ValueError, match="invalid bins"):
        infoablate.scores(acts, labels, quantizer="equal-width", bins=0)
    bad = acts.copy()
    bad[4, 2] = np.inf
    with pytest.raises(ValueError, match="neuron 2, sample 4 is inf"):
        infoablate.scores(bad, labels)


def test_the_gil_is_released_while_scoring():
    rng = np.random.default_rng(0)
    acts = rng.standard_normal((100_000, 100)).astype(np.float32)
    labels = rng.integers(0, 10, len(acts))
    assert_releases_the_gil(lambda: infoablate.scores(acts, labels, quantizer="equal-frequency", bins=8))
