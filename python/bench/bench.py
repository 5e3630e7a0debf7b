"""How `infoablate` compares with the plain ways of doing its work in Python.

1. `infoablate.scores` (binary quantizer) against a vectorised numpy
   implementation of the same four measures on a 60,000 × 1,000 matrix.
2. `infoablate.ablation_curve` against a PyTorch loop (a masked forward pass
   of the whole evaluation set at every k) on the same trained MLP, a
   784-100-100-100-10 ReLU network trained on the MNIST sample shipped in
   `data/mnist-sample`. Needs PyTorch; without it that part says so.

Each side is timed best-of-`--repeat` in one run and the ratio printed; the
results of the two sides are checked to agree.

    python python/bench/bench.py [--repeat 3] [--samples 60000] [--neurons 1000]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import infoablate

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python" / "tests"))
from pairs_independent import load_mnist_sample  # noqa: E402

# numpy sums the same terms in another order
AGREE_TOL = 1e-9


def best(repeat, f):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - start)
    return min(times), out


def numpy_scores(acts, labels, num_classes):
    """Entropy, MI, KL selectivity (bits) and CSI of binary-quantized neurons, vectorised."""
    onehot = np.eye(num_classes, dtype=np.float32)[labels]  # N × C
    n = len(labels)
    class_n = onehot.sum(axis=0).astype(np.float64)  # C
    active = (acts > 0).astype(np.float32)
    n1 = (onehot.T @ active).astype(np.float64)  # C × W: exact integers below 2^24
    n0 = class_n[:, None] - n1
    joint = np.stack([n0, n1]) / n  # 2 × C × W
    p_b = joint.sum(axis=1)  # 2 × W
    p_y = class_n / n
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.nansum(np.where(p_b > 0, p_b * np.log2(p_b), 0), axis=0)
        ratio = joint / (p_b[:, None, :] * p_y[None, :, None])
        mi = np.nansum(np.where(joint > 0, joint * np.log2(ratio), 0), axis=(0, 1))
        p_b_given_y = joint / p_y[None, :, None]
        kl = np.where(p_b_given_y > 0, p_b_given_y * np.log2(p_b_given_y / p_b[:, None, :]), 0).sum(axis=0)
    kl = kl[class_n > 0].max(axis=0)
    means = (onehot.T.astype(np.float64) @ acts.astype(np.float64)) / class_n[:, None]  # C × W
    top = means.max(axis=0)
    rest = (means.sum(axis=0) - top) / (num_classes - 1)
    denominator = top + rest
    csi = np.divide(top - rest, denominator, out=np.zeros_like(top), where=denominator != 0)
    return {"entropy": entropy, "mutual_info": mi, "kl_selectivity": kl, "csi": csi}


def bench_scores(args):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, args.samples)
    acts = rng.standard_normal((args.samples, args.neurons), dtype=np.float32)
    acts += 0.2 * labels[:, None].astype(np.float32) * rng.standard_normal(args.neurons).astype(np.float32)
    np.maximum(acts, 0, out=acts)
    t_ours, ours = best(args.repeat, lambda: infoablate.scores(acts, labels))
    t_numpy, theirs = best(args.repeat, lambda: numpy_scores(acts, labels, 10))
    for name in ours:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=0, atol=AGREE_TOL, err_msg=name)
    print(f"scores {args.samples} x {args.neurons}, binary, 10 classes:")
    print(f"  infoablate.scores  {t_ours * 1e3:9.1f} ms")
    print(f"  vectorised numpy   {t_numpy * 1e3:9.1f} ms")
    print(f"  ratio numpy / infoablate = {t_numpy / t_ours:.1f}x (results agree within {AGREE_TOL})")


def mnist(split):
    return load_mnist_sample(REPO, split)


def torch_curve(torch, model, x, y, order):
    """Accuracy and loss at every k, a masked full forward pass each time."""
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    masks = [torch.ones(lin.out_features) for lin in linears[:-1]]
    accuracy, loss = [], []
    with torch.no_grad():
        for k in range(len(order) + 1):
            if k > 0:
                layer, neuron = order[k - 1]
                masks[layer][neuron] = 0.0
            h = x
            for lin, mask in zip(linears[:-1], masks):
                h = torch.relu(lin(h)) * mask
            logits = linears[-1](h)
            accuracy.append((logits.argmax(1) == y).double().mean().item())
            loss.append(torch.nn.functional.cross_entropy(logits.double(), y).item())
    return np.array(accuracy), np.array(loss)


def bench_ablation(args):
    try:
        import torch
        from safetensors.torch import save_file
    except ImportError:
        print("ablation_curve vs PyTorch: skipped, PyTorch (or safetensors) is not installed")
        return
    torch.manual_seed(0)
    x_train, y_train = mnist("train")
    x_test, y_test = mnist("test")
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 100), torch.nn.ReLU(),
        torch.nn.Linear(100, 100), torch.nn.ReLU(),
        torch.nn.Linear(100, 100), torch.nn.ReLU(),
        torch.nn.Linear(100, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    for _ in range(3):
        for i in range(0, len(xt), 64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xt[i : i + 64]), yt[i : i + 64]).backward()
            opt.step()
    path = Path(args.tmp) / "bench-model.safetensors"
    save_file(model.state_dict(), str(path))
    mlp = infoablate.Mlp.from_safetensors(path, "relu")
    acts = infoablate.record(mlp, x_train)
    mi = [infoablate.scores(a, y_train)["mutual_info"] for a in acts]
    xe, ye = torch.from_numpy(x_test), torch.from_numpy(y_test)
    default_threads = torch.get_num_threads()
    for scope in ["layer:0", "global"]:
        # the crate's order: highest MI first, ties to the lower layer, then the lower neuron
        order = sorted(
            ((layer, i) for layer in range(3) for i in range(100) if scope == "global" or layer == 0),
            key=lambda n: (-mi[n[0]][n[1]], n[0], n[1]),
        )
        t_ours, ours = best(
            args.repeat, lambda: infoablate.ablation_curve(mlp, x_test, y_test, "descending", scores=mi, scope=scope)
        )
        # PyTorch at its faster thread count: on a shared machine two threads can lose to one
        timings = {}
        for threads in sorted({1, default_threads}):
            torch.set_num_threads(threads)
            timings[threads] = best(args.repeat, lambda: torch_curve(torch, model, xe, ye, order))
        threads, (t_torch, (accuracy, loss)) = min(timings.items(), key=lambda kv: kv[1][0])
        diff = np.abs(ours["accuracy"] - accuracy).max()
        print(f"ablation_curve {scope}, {len(order)} neurons, {len(x_test)} test images, every k:")
        print(f"  infoablate.ablation_curve  {t_ours * 1e3:9.1f} ms")
        for n, (t, _) in sorted(timings.items()):
            print(f"  PyTorch masked-forward loop, {n} thread(s) {t * 1e3:9.1f} ms")
        print(f"  ratio PyTorch ({threads} thread(s)) / infoablate = {t_torch / t_ours:.1f}x"
              f" (accuracy differs by at most {diff:.2g}, loss by {np.abs(ours['loss'] - loss).max():.2g})")
        assert ours["k"][-1] == len(order)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--neurons", type=int, default=1_000)
    parser.add_argument("--tmp", default="/tmp")
    args = parser.parse_args()
    bench_scores(args)
    bench_ablation(args)


if __name__ == "__main__":
    main()
