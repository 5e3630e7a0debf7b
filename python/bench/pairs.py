"""`pairs --all` on a 100-neuron layer against a straightforward Python
implementation of the same columns (issue 11: "at least 1000× faster per
pair than per-pair cvxpy + vertex enumeration").

The layer: the ReLU layer of a 784-100-10 MLP trained (numpy, seeded) on the
shipped MNIST sample, on the sample's 2,000 test images, binary quantizer
(threshold 0), ten classes: 4,950 pairs. The Python side, per pair: the
count table by numpy, the closed forms by dit, `red_broja` by cvxpy
(Clarabel), `red_prec` by cddlib's vertex enumeration
(`python/tests/pairs_independent.py`); timed on a seeded sample of pairs and
extrapolated per pair. The Rust side: the built `pairs` example on `--all`,
one process, timed whole (loading and writing included). Both wall and CPU
time (the machine may be shared); the sampled pairs are checked to agree.

    cargo build --release --example pairs
    python python/bench/pairs.py [--sample 20] [--seed 0]

Needs numpy, dit, cvxpy and pycddlib-standalone (no infoablate wheel).
"""

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python" / "tests"))
import pairs_independent as ind  # noqa: E402

AGREE_TOL = 1e-6


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=20, help="pairs the Python side measures")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    example = REPO / "target" / "release" / "examples" / "pairs"
    if not example.exists():
        sys.exit(f"{example} is missing: cargo build --release --example pairs")
    acts, labels = ind.mnist_relu_layer(REPO, 100, seed=args.seed)
    width = acts.shape[1]
    with tempfile.TemporaryDirectory() as tmp:
        a, y, out = Path(tmp) / "a.npy", Path(tmp) / "y.npy", Path(tmp) / "out.csv"
        np.save(a, acts)
        np.save(y, labels)
        command = [str(example), "--acts", str(a), "--labels", str(y), "--quantizer", "binary", "--all", "--out", str(out)]
        cpu, wall = children_cpu(), time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        rust_wall, rust_cpu = time.perf_counter() - wall, children_cpu() - cpu
        with open(out, newline="") as f:
            rows = {(int(r["i"]), int(r["j"])): r for r in csv.DictReader(f)}
    pairs = sorted(rows)
    assert len(pairs) == width * (width - 1) // 2

    codes = ind.quantize(acts, "binary")
    rng = np.random.default_rng(args.seed)
    sample = [pairs[k] for k in rng.choice(len(pairs), args.sample, replace=False)]
    cpu, wall = time.process_time(), time.perf_counter()
    values = []
    for i, j in sample:
        n = ind.pair_counts(codes[:, i], codes[:, j], labels)
        closed = ind.closed_forms(n)
        values.append((closed, ind.red_broja(n), ind.red_prec(n)[0]))
    py_wall, py_cpu = (time.perf_counter() - wall) / len(sample), (time.process_time() - cpu) / len(sample)

    worst = 0.0
    for (i, j), (closed, broja, prec) in zip(sample, values):
        row = rows[(i, j)]
        for column, value in [*closed.items(), ("red_broja", broja), ("red_prec", prec)]:
            worst = max(worst, abs(float(row[column]) - value))
    assert worst < AGREE_TOL, f"the two sides differ by {worst}"

    per_pair_wall, per_pair_cpu = rust_wall / len(pairs), rust_cpu / len(pairs)
    print(f"layer: {acts.shape[0]} samples x {width} neurons, 10 classes, binary; {len(pairs)} pairs")
    print(f"rust  pairs --all: {rust_wall:.3f} s wall, {rust_cpu:.3f} s CPU in all")
    print(f"  per pair: {per_pair_wall * 1e6:.1f} us wall, {per_pair_cpu * 1e6:.1f} us CPU")
    print(f"python (dit + cvxpy + cddlib), {len(sample)} pairs: {py_wall * 1e3:.1f} ms wall, {py_cpu * 1e3:.1f} ms CPU per pair")
    print(f"  extrapolated to {len(pairs)} pairs: {py_wall * len(pairs):.0f} s wall")
    print(f"ratio per pair: {py_wall / per_pair_wall:.0f}x wall, {py_cpu / per_pair_cpu:.0f}x CPU")
    print(f"largest difference on the sampled pairs: {worst:.2e}")


if __name__ == "__main__":
    main()
