"""Shared fixtures: a small ReLU network in PyTorch naming, data it
classifies, and the Rust reference (the crate's own entry points run on the
same inputs through `python/reference`)."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import infoablate

REPO = Path(__file__).resolve().parents[2]
SIZES = (12, 16, 10, 4)


def state_dict(seed=0, sizes=SIZES):
    """`nn.Sequential(Linear, ReLU, Linear, ReLU, Linear)` weights: `0.`, `2.`, `4.`."""
    rng = np.random.default_rng(seed)
    sd = {}
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        sd[f"{2 * k}.weight"] = (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(np.float32)
        sd[f"{2 * k}.bias"] = (0.1 * rng.standard_normal(n_out)).astype(np.float32)
    return sd


@pytest.fixture(scope="session")
def weights():
    return state_dict()


@pytest.fixture(scope="session")
def mlp(weights):
    return infoablate.Mlp.from_state_dict(weights, "relu")


@pytest.fixture(scope="session")
def data(mlp):
    """Inputs and labels: the network's own arg-max, 10% of labels flipped."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((600, SIZES[0])).astype(np.float32)
    y = mlp.forward(x).argmax(axis=1)
    flip = rng.random(len(y)) < 0.1
    y[flip] = rng.integers(0, SIZES[-1], flip.sum())
    return x[:400], y[:400], x[400:], y[400:]


class Reference:
    """Runs the reference example and parses its `name value …` lines."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.files = 0

    def save(self, array) -> str:
        self.files += 1
        path = self.tmp / f"a{self.files}.npy"
        np.save(path, array)
        return str(path)

    def run(self, *args):
        out = subprocess.run(
            ["cargo", "run", "--release", "-q", "-p", "infoablate-reference", "--", *args],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        parsed = {}
        for line in out.splitlines():
            name, *values = line.split(" ")
            parsed[name] = np.array([float(v) for v in values])
        return parsed


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    if shutil.which("cargo") is None or not (REPO / "python" / "reference" / "Cargo.toml").exists():
        pytest.skip("the Rust reference needs cargo and the infoablate repository")
    return Reference(tmp_path_factory.mktemp("reference"))
