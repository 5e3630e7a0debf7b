"""`Mlp` from PyTorch weights and `record`: against numpy, against PyTorch
(skipped without torch), and errors."""

import numpy as np
import pytest

import infoablate
from conftest import SIZES, state_dict

# float32 dot products summed in another order than numpy / PyTorch
LOGIT_TOL = 1e-5


def numpy_forward(sd, x, act=lambda z: np.maximum(z, 0)):
    """Hidden outputs and logits of `sd` in float64."""
    h = x.astype(np.float64)
    hidden = []
    keys = sorted({int(k.split(".")[0]) for k in sd})
    for i, k in enumerate(keys):
        h = h @ sd[f"{k}.weight"].T.astype(np.float64) + sd[f"{k}.bias"]
        if i < len(keys) - 1:
            h = act(h)
            hidden.append(h)
    return hidden, h


def test_forward_and_record_match_numpy(mlp, weights, data):
    x = data[0]
    hidden, logits = numpy_forward(weights, x)
    assert mlp.sizes == list(SIZES)
    assert (mlp.activation, mlp.num_hidden) == ("relu", 2)
    np.testing.assert_allclose(mlp.forward(x), logits, rtol=0, atol=LOGIT_TOL)
    recorded = infoablate.record(mlp, x, batch_size=7)
    assert [r.shape for r in recorded] == [(len(x), 16), (len(x), 10)]
    for got, want in zip(recorded, hidden):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=0, atol=LOGIT_TOL)
    only = infoablate.record(mlp, x, layers=[1])
    np.testing.assert_array_equal(only[0], recorded[1])


def test_record_reports_progress(mlp, data):
    seen = []
    infoablate.record(mlp, data[0], batch_size=150, progress=lambda *p: seen.append(p))
    assert seen == [("record", 150, 400), ("record", 300, 400), ("record", 400, 400)]

    def fail(*_):
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        infoablate.record(mlp, data[0], progress=fail)


def test_safetensors_file_equals_the_state_dict(tmp_path, mlp, weights, data):
    safetensors_numpy = pytest.importorskip("safetensors.numpy", reason="safetensors is not installed")
    path = tmp_path / "model.safetensors"
    safetensors_numpy.save_file({f"net.{k}": v for k, v in weights.items()}, str(path))
    loaded = infoablate.Mlp.from_safetensors(path, "relu")
    np.testing.assert_array_equal(loaded.forward(data[0]), mlp.forward(data[0]))
    f64 = infoablate.Mlp.from_state_dict({k: v.astype(np.float64) for k, v in weights.items()}, "relu")
    np.testing.assert_array_equal(f64.forward(data[0]), mlp.forward(data[0]))


def test_weight_errors_name_the_problem(tmp_path, weights):
    with pytest.raises(OSError, match="cannot read"):
        infoablate.Mlp.from_safetensors(tmp_path / "missing.safetensors", "relu")
    (tmp_path / "junk.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match="junk.safetensors"):
        infoablate.Mlp.from_safetensors(tmp_path / "junk.safetensors", "relu")
    with pytest.raises(ValueError, match="activation"):
        infoablate.Mlp.from_state_dict(weights, "mish")
    missing = dict(weights)
    del missing["2.weight"]
    with pytest.raises(ValueError, match="2.weight"):
        infoablate.Mlp.from_state_dict(missing, "relu")
    wrong = dict(weights, **{"2.weight": weights["2.weight"][:, :3]})
    with pytest.raises(ValueError, match="2.weight"):
        infoablate.Mlp.from_state_dict(wrong, "relu")
    with pytest.raises(TypeError, match="0.weight"):
        infoablate.Mlp.from_state_dict(dict(weights, **{"0.weight": [[1.0]]}), "relu")
    mlp = infoablate.Mlp.from_state_dict(weights, "relu")
    with pytest.raises(ValueError, match="input width 3"):
        mlp.forward(np.zeros((2, 3), np.float32))


def test_new_activations_bias_false_batchnorm_and_named_layers(weights, data):
    two = state_dict(sizes=(SIZES[0], 16, 4))
    named = {("fc1." if k.startswith("0.") else "fc2.") + k.split(".")[1]: v for k, v in two.items()}
    del named["fc1.bias"]  # nn.Linear(bias=False)
    width = two["0.weight"].shape[0]
    named.update(
        {
            "bn1.running_mean": np.linspace(-0.5, 0.5, width).astype(np.float32),
            "bn1.running_var": np.linspace(0.5, 2.0, width).astype(np.float32),
        }
    )
    with pytest.raises(ValueError, match="--layers fc1,fc2"):
        infoablate.Mlp.from_state_dict(named, "gelu")
    mlp = infoablate.Mlp.from_state_dict(named, "leaky_relu:0.1", layers="fc1+bn1,fc2")
    assert mlp.activation == "leaky_relu:0.1"
    x = data[0]
    h = x @ two["0.weight"].T.astype(np.float64)
    h = (h - named["bn1.running_mean"]) / np.sqrt(named["bn1.running_var"].astype(np.float64) + 1e-5)
    h = np.where(h > 0, h, 0.1 * h)
    want = h @ two["2.weight"].T + two["2.bias"]
    np.testing.assert_allclose(mlp.forward(x), want, rtol=0, atol=LOGIT_TOL)
    for act in ["gelu", "gelu_tanh", "silu", "elu:0.5"]:
        assert infoablate.Mlp.from_state_dict(weights, act).activation == ("elu:0.5" if act == "elu:0.5" else act)


def test_a_pytorch_state_dict_gives_pytorch_logits(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional: pip install torch)")
    safetensors_torch = pytest.importorskip("safetensors.torch", reason="safetensors is not installed")
    torch.manual_seed(0)
    for act, module in [
        ("relu", torch.nn.ReLU),
        ("tanh", torch.nn.Tanh),
        ("sigmoid", torch.nn.Sigmoid),
        ("gelu", torch.nn.GELU),
        ("gelu_tanh", lambda: torch.nn.GELU(approximate="tanh")),
        ("silu", torch.nn.SiLU),
        ("leaky_relu:0.01", torch.nn.LeakyReLU),
        ("elu:1", torch.nn.ELU),
    ]:
        model = torch.nn.Sequential(
            torch.nn.Linear(12, 32), module(), torch.nn.Linear(32, 16), module(), torch.nn.Linear(16, 5)
        )
        path = tmp_path / f"{act}.safetensors"
        safetensors_torch.save_file(model.state_dict(), str(path))
        mlp = infoablate.Mlp.from_safetensors(path, act)
        x = torch.randn(256, 12)
        with torch.no_grad():
            want = model(x).numpy()
            hidden = model[:2](x).numpy()
        np.testing.assert_allclose(mlp.forward(x.numpy()), want, rtol=0, atol=LOGIT_TOL, err_msg=act)
        np.testing.assert_allclose(infoablate.record(mlp, x.numpy())[0], hidden, rtol=0, atol=LOGIT_TOL)
        from_dict = infoablate.Mlp.from_state_dict({k: v.numpy() for k, v in model.state_dict().items()}, act)
        np.testing.assert_array_equal(from_dict.forward(x.numpy()), mlp.forward(x.numpy()))

