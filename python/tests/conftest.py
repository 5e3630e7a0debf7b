"""Shared fixtures: a small ReLU network in PyTorch naming, data it
classifies, and the Rust reference (the crate's own entry points run on the
same inputs through `python/reference` and the crate's examples)."""

import csv
import shutil
import subprocess
import threading
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


def activations(seed=2, samples=500, neurons=40, classes=5):
    """ReLU-like activations with exact zeros and ties, and labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, samples)
    acts = rng.standard_normal((samples, neurons)) + 0.3 * labels[:, None] * rng.standard_normal(neurons)
    acts = np.maximum(acts, 0).astype(np.float32)
    acts[:, 0] = 0.0  # a dead neuron
    acts[:, 1] = np.round(acts[:, 1])  # heavy ties
    return acts, labels


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

    def cargo(self, *args):
        return subprocess.run(
            ["cargo", "run", "--release", "-q", *args],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )

    def run(self, *args):
        out = self.cargo("-p", "infoablate-reference", "--", *args).stdout
        parsed = {}
        for line in out.splitlines():
            name, *values = line.split(" ")
            parsed[name] = np.array([float(v) for v in values])
        return parsed

    def example_csv(self, name, *args):
        """Runs the crate's example `name` with `--out FILE` and parses its CSV:
        `{column: values}` in header order, the values in full precision."""
        self.files += 1
        out = self.tmp / f"out{self.files}.csv"
        self.cargo("--example", name, "--", *args, "--out", str(out))
        with open(out, newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        return {c: np.array([float(r[k]) for r in body]) for k, c in enumerate(header)}


def assert_releases_the_gil(work):
    """Runs `work` in a thread and counts how often this thread gets to run
    meanwhile: with the GIL held for the whole call it would barely run."""
    started = threading.Event()

    def run():
        started.set()
        work()

    worker = threading.Thread(target=run)
    worker.start()
    started.wait()
    spins = 0
    while worker.is_alive():
        spins += 1
    worker.join()
    assert spins > 1000


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    if shutil.which("cargo") is None or not (REPO / "python" / "reference" / "Cargo.toml").exists():
        pytest.skip("the Rust reference needs cargo and the infoablate repository")
    return Reference(tmp_path_factory.mktemp("reference"))
