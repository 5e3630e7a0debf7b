"""`ablation_curve` and `random_band`: a hand-computed case, the Rust crate's
curves exactly, band invariants, progress and errors."""

import numpy as np
import pytest

import infoablate

FIELDS = ["k", "fraction", "accuracy", "loss"]
# The crate's fast path propagates removals lazily, up to the next scored k,
# so a curve scored at fewer k may differ from the full one in the last bits.
CHECKPOINT_LOSS_TOL = 1e-8


def test_hand_computed():
    # hidden neuron 0 carries the class, neuron 1 nothing useful
    mlp = infoablate.Mlp.from_state_dict(
        {
            "0.weight": np.eye(2, dtype=np.float32),
            "0.bias": np.zeros(2, np.float32),
            "2.weight": np.array([[-1, 0], [1, 0]], np.float32),
            "2.bias": np.array([0.5, -0.5], np.float32),
        },
        "relu",
    )
    x = np.array([[0, 1], [1, 1]], np.float32)
    curve = infoablate.ablation_curve(mlp, x, np.array([0, 1]), "ascending", scores=np.array([1.0, 0.0]))
    assert curve["k"].tolist() == [0, 1, 2]
    assert curve["fraction"].tolist() == [0.0, 0.5, 1.0]
    assert curve["accuracy"].tolist() == [1.0, 1.0, 0.5]
    assert curve["auc"] == 0.875  # (1 + 1)/2 · 0.5 + (1 + 0.5)/2 · 0.5
    assert curve["label"] == "scores ascending"
    explicit = infoablate.ablation_curve(mlp, x, np.array([0, 1]), np.array([1, 0]))
    assert explicit["accuracy"].tolist() == [1.0, 1.0, 0.5]


def cases(mlp, analysis_x, analysis_y):
    """(Python keyword arguments, reference arguments) of several schedules."""
    acts = infoablate.record(mlp, analysis_x)
    mi = [infoablate.scores(a, analysis_y)["mutual_info"] for a in acts]
    csi = [infoablate.scores(a, analysis_y)["csi"] for a in acts]
    return [
        ("layer0-mi-descending", dict(order="descending", scores=mi[0], scope="layer:0"), "descending", [mi[0]], "layer:0"),
        ("layer1-csi-ascending-mean", dict(order="ascending", scores=csi, scope="layer:1", replacement="mean"), "ascending", csi, "layer:1"),
        ("global-mi-descending-mean", dict(order="descending", scores=mi, scope="global", replacement="mean"), "descending", mi, "global"),
        ("global-random", dict(order="random", seed=7, scope="global"), "random", 7, "global"),
    ]


def test_curves_equal_the_crates(reference, weights, mlp, data):
    safetensors_numpy = pytest.importorskip("safetensors.numpy", reason="safetensors is not installed")
    x_an, y_an, x_ev, y_ev = data
    model = reference.tmp / "model.safetensors"
    safetensors_numpy.save_file(weights, str(model))
    files = [reference.save(x_ev), reference.save(y_ev.astype(np.int64))]
    analysis = reference.save(x_an)
    for name, kwargs, kind, value, scope in cases(mlp, x_an, y_an):
        if kind == "random":
            order = f"random:{value}"
        else:
            order = kind + ":" + ",".join(reference.save(np.asarray(s, np.float64)) for s in value)
        replacement = "mean:" + analysis if kwargs.get("replacement") == "mean" else "zero"
        expected = reference.run("curve", str(model), "relu", *files, scope, replacement, order)
        if kwargs.get("replacement") == "mean":
            kwargs["mean_from"] = x_an
        got = infoablate.ablation_curve(mlp, x_ev, y_ev, **kwargs)
        for field in FIELDS:
            np.testing.assert_array_equal(got[field], expected[field], err_msg=f"{name}: {field}")
        assert got["auc"] == expected["auc"][0], name
        assert got["accuracy"][0] > 0.8  # the labels are mostly the network's own
    order = np.array([[1, 3], [0, 0], [1, 0], [0, 5]])
    expected = reference.run("curve", str(model), "relu", *files, "global", "zero", "explicit:" + reference.save(order))
    got = infoablate.ablation_curve(mlp, x_ev, y_ev, order)
    for field in FIELDS:
        np.testing.assert_array_equal(got[field], expected[field], err_msg=f"explicit: {field}")


def test_checkpoints_pick_points_of_the_full_curve(mlp, data):
    x_ev, y_ev = data[2], data[3]
    full = infoablate.ablation_curve(mlp, x_ev, y_ev, "random", seed=3, scope="global")
    some = infoablate.ablation_curve(mlp, x_ev, y_ev, "random", seed=3, scope="global", ks=[26, 0, 10])
    assert some["k"].tolist() == [0, 10, 26]
    np.testing.assert_array_equal(some["accuracy"], full["accuracy"][[0, 10, 26]])
    np.testing.assert_allclose(some["loss"], full["loss"][[0, 10, 26]], rtol=0, atol=CHECKPOINT_LOSS_TOL)


def test_bootstrap_intervals_resample_the_evaluation_samples(mlp, data):
    x_ev, y_ev = data[2], data[3]
    plain = infoablate.ablation_curve(mlp, x_ev, y_ev, "random", seed=3, scope="global")
    got = infoablate.ablation_curve(mlp, x_ev, y_ev, "random", seed=3, scope="global", bootstrap=300, level=0.9)
    for field in FIELDS:
        np.testing.assert_array_equal(got[field], plain[field], err_msg=field)
    assert "accuracy_lower" not in plain
    assert got["bootstrap"] == (300, 0.9, 0)
    for quantity in ["accuracy", "loss"]:
        lower, upper = got[quantity + "_lower"], got[quantity + "_upper"]
        assert lower.shape == upper.shape == got[quantity].shape
        assert np.all(lower <= got[quantity] + 1e-12) and np.all(got[quantity] <= upper + 1e-12), quantity
        assert np.all(upper - lower > 0), quantity
    # Percentile intervals of a mean of n samples: about ±1.645·sd/√n at 90 %.
    n, right = len(y_ev), got["accuracy"][0]
    width = got["accuracy_upper"][0] - got["accuracy_lower"][0]
    assert abs(width / (2 * 1.645 * np.sqrt(right * (1 - right) / n)) - 1) < 0.25, width
    low, high = got["auc_interval"]
    assert low <= got["auc"] <= high
    again = infoablate.ablation_curve(mlp, x_ev, y_ev, "random", seed=3, scope="global", bootstrap=300, level=0.9)
    np.testing.assert_array_equal(again["loss_upper"], got["loss_upper"])
    with pytest.raises(ValueError, match="level"):
        infoablate.ablation_curve(mlp, x_ev, y_ev, "random", seed=3, bootstrap=10, level=1.5)
    for bad in [0, -1, 10**9]:
        with pytest.raises(ValueError, match="bootstrap must be"):
            infoablate.ablation_curve(mlp, x_ev, y_ev, "random", seed=3, bootstrap=bad)
    with pytest.raises(ValueError, match="only with bootstrap"):
        infoablate.ablation_curve(mlp, x_ev, y_ev, "random", seed=3, level=0.9)


def test_random_band_summarises_the_random_curves(mlp, data):
    x_ev, y_ev = data[2], data[3]
    seeds = [0, 1, 2, 3, 4]
    seen = []
    band = infoablate.random_band(mlp, x_ev, y_ev, seeds, scope="layer:1", progress=lambda *p: seen.append(p))
    assert seen == [("ablate", j + 1, 5) for j in range(5)]
    curves = [infoablate.ablation_curve(mlp, x_ev, y_ev, "random", seed=s, scope="layer:1") for s in seeds]
    accuracy = np.array([c["accuracy"] for c in curves])
    assert band["k"].tolist() == list(range(11))
    assert band["seeds"].tolist() == seeds
    np.testing.assert_array_equal(band["aucs"], [c["auc"] for c in curves])
    np.testing.assert_array_equal(band["min_accuracy"], accuracy.min(axis=0))
    np.testing.assert_array_equal(band["max_accuracy"], accuracy.max(axis=0))
    np.testing.assert_allclose(band["mean_accuracy"], accuracy.mean(axis=0), rtol=0, atol=1e-15)
    np.testing.assert_allclose(band["lower_accuracy"], np.percentile(accuracy, 5, axis=0), rtol=0, atol=1e-15)
    np.testing.assert_allclose(band["upper_accuracy"], np.percentile(accuracy, 95, axis=0), rtol=0, atol=1e-15)
    assert band["percentiles"] == (5.0, 95.0)


def test_errors_name_the_problem(mlp, data):
    x_an, _, x_ev, y_ev = data
    curve = infoablate.ablation_curve
    with pytest.raises(ValueError, match="needs seed"):
        curve(mlp, x_ev, y_ev, "random")
    with pytest.raises(ValueError, match="needs scores"):
        curve(mlp, x_ev, y_ev, "descending")
    with pytest.raises(ValueError, match="unknown order `sideways`"):
        curve(mlp, x_ev, y_ev, "sideways", scores=np.zeros(16))
    with pytest.raises(ValueError, match="unknown scope"):
        curve(mlp, x_ev, y_ev, "random", seed=1, scope="layer:x")
    with pytest.raises(ValueError, match="hidden layer 5 does not exist"):
        curve(mlp, x_ev, y_ev, "random", seed=1, scope="layer:5")
    with pytest.raises(ValueError, match="mean_from"):
        curve(mlp, x_ev, y_ev, "random", seed=1, replacement="mean")
    with pytest.raises(ValueError, match="3 values for hidden layer 0 of width 16"):
        curve(mlp, x_ev, y_ev, "descending", scores=np.zeros(3))
    with pytest.raises(ValueError, match="appears twice"):
        curve(mlp, x_ev, y_ev, np.array([1, 2, 1]))
    with pytest.raises(ValueError, match="exceeds"):
        curve(mlp, x_ev, y_ev, "random", seed=1, ks=[99])
    with pytest.raises(ValueError, match="label"):
        curve(mlp, x_ev, np.full(len(y_ev), 9), "random", seed=1)
    with pytest.raises(ValueError, match="at least one seed"):
        infoablate.random_band(mlp, x_ev, y_ev, [])
    with pytest.raises(ValueError, match="percentiles"):
        infoablate.random_band(mlp, x_ev, y_ev, [1], percentiles=(90.0, 10.0))
    with pytest.raises(TypeError, match="float32"):
        curve(mlp, x_ev.astype(np.float64), y_ev, "random", seed=1)
    assert curve(mlp, x_ev, y_ev, "random", seed=1, replacement="mean", mean_from=x_an)["replacement"] == "mean"
