"""The crate's ablation curves against PyTorch's incremental way (issue #16).

PyTorch *incremental* is the fastest plain way to run a cumulative ablation
curve in PyTorch: the layers are evaluated once; ablating neuron `i` of
hidden layer `l` is a rank-1 update of the next layer's pre-activation
(`z[l+1] += (v_i - h[l][:, i]) ⊗ W[l+1][:, i]`), after which the layers
above are recomputed (with the neurons already ablated there held at their
values) and the logits scored (argmax, ties to the lowest class; mean
cross-entropy in float64). The crate side is the release `ablate` example
run as a whole process (loading the data and model, the mean values of a
`mean` curve, the curve, writing the CSV).

1. Trains, with PyTorch (seed 0, Adam, learning rate 1e-3, batch 128,
   `--epochs` epochs, PyTorch's default initialisation), the networks of the
   issue on the full data in `../shared/data` (pixels / 255, no
   normalisation): Fashion-MNIST tanh 784-100-100-100-10, MNIST sigmoid
   784-100-100-10 and MNIST ReLU 784-100-100-100-10, and saves each as
   safetensors with its activation recorded (`infoablate.activation`), as
   the crate's examples read it. An existing model file is reused.
2. For each curve of the issue's table, draws one seeded random order of
   the scope's neurons, writes it as an `ablate --ranking` CSV and times,
   best of `--repeat`:
   - PyTorch incremental, `torch.set_num_threads(1)`, CPU time
     (`time.process_time()`) of the curve alone, every `k`;
   - the crate's whole process (`target/release/examples/ablate`,
     `RAYON_NUM_THREADS=1`), CPU time from `getrusage(RUSAGE_CHILDREN)`;
   - both again in wall time with 2 threads.
   Mean replacement uses each neuron's mean post-activation output on the
   60,000 training images (the `ablate` example's analysis split), computed
   here in float64 from the PyTorch forward pass.
3. Checks the curves agree at every `k` (accuracy within 1 sample, loss
   within 1e-6 relative) and prints the table.

Build the example first; run from anywhere (CPU times are more robust than
wall times on a shared machine; `nice -n -5` helps against other jobs):

    cargo build --release --example ablate
    python python/bench/torch_incremental.py [--repeat 3] [--epochs 5] [--out target/torch-incremental] \\
        [--only 'tanh, layer 0']

Needs PyTorch, numpy and safetensors, and `../shared/data`; without them it
says so and exits 0. Not run by CI.
"""

import argparse
import gzip
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

try:
    import numpy as np
except ImportError:  # reported by main()
    np = None

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
ABLATE = REPO / "target" / "release" / "examples" / "ablate"

# the tolerance for a curve against a PyTorch re-evaluation
MAX_ACCURACY_SAMPLES = 1
MAX_LOSS_RELATIVE = 1e-6

# name, data set directory, `ablate --dataset`, activation, hidden widths
NETWORKS = {
    "fashion-tanh": ("fashion-mnist", "fashion-mnist", "tanh", [100, 100, 100]),
    "mnist-sigmoid": ("mnist", "mnist", "sigmoid", [100, 100]),
    "mnist-relu": ("mnist", "mnist", "relu", [100, 100, 100]),
}

# label, network, scope (a layer index or "global"), replacement
CURVES = [
    ("Fashion-MNIST tanh, layer 0, zero", "fashion-tanh", 0, "zero"),
    ("Fashion-MNIST tanh, layer 0, mean", "fashion-tanh", 0, "mean"),
    ("Fashion-MNIST tanh, global, zero", "fashion-tanh", "global", "zero"),
    ("MNIST sigmoid 2x100, layer 0, zero", "mnist-sigmoid", 0, "zero"),
    ("MNIST ReLU, layer 0, mean", "mnist-relu", 0, "mean"),
    ("MNIST ReLU, layer 0, zero (sparse)", "mnist-relu", 0, "zero"),
]


def read_idx(path, magic):
    """An IDX file (gzipped) as a uint8 array: images N × 784 or labels N."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if int.from_bytes(raw[:4], "big") != magic:
        raise ValueError(f"{path}: not an IDX file with magic {magic:#010x}")
    dims = [int.from_bytes(raw[4 + 4 * d : 8 + 4 * d], "big") for d in range(magic & 0xFF)]
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * len(dims))
    return body.reshape(dims[0], -1) if len(dims) > 1 else body


def load_split(directory, prefix):
    """Inputs (pixels / 255 in float32, as the crate reads IDX) and int64 labels."""
    x = read_idx(directory / f"{prefix}-images-idx3-ubyte.gz", 0x803).astype(np.float32) / np.float32(255)
    y = read_idx(directory / f"{prefix}-labels-idx1-ubyte.gz", 0x801).astype(np.int64)
    return x, y


def build(torch, act, widths):
    modules, inputs = [], 784
    for width in widths:
        modules += [torch.nn.Linear(inputs, width), {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
                                                     "relu": torch.nn.ReLU}[act]()]
        inputs = width
    return torch.nn.Sequential(*modules, torch.nn.Linear(inputs, 10))


def trained_model(torch, name, path, x, y, epochs):
    """The network `name`, trained here (seed 0) or read from `path`."""
    from safetensors.torch import load_file, save_file

    _, _, act, widths = NETWORKS[name]
    torch.manual_seed(0)
    model = build(torch, act, widths)
    if path.exists():
        model.load_state_dict(load_file(path))
        return model
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(epochs):
        perm = torch.randperm(len(yt))
        for i in range(0, len(yt), 128):
            batch = perm[i : i + 128]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xt[batch]), yt[batch]).backward()
            opt.step()
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={"infoablate.activation": act})
    return model


def incremental_curve(torch, model, x, y, order, values):
    """Accuracy and mean loss at every k = 0 … len(order), PyTorch incremental.

    `order` lists (layer, neuron), first ablated first; `values[l]` holds the
    replacement value of every neuron of hidden layer l.
    """
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    # each takes `out=` (torch.relu does not, its clamp does)
    act = {torch.nn.Tanh: torch.tanh, torch.nn.Sigmoid: torch.sigmoid,
           torch.nn.ReLU: lambda z, out=None: torch.clamp_min(z, 0.0, out=out)}[type(model[1])]
    weights = [lin.weight.detach() for lin in linears]
    biases = [lin.bias.detach() for lin in linears]
    hidden = len(linears) - 1
    accuracy, loss = [], []
    with torch.no_grad():
        # z[m]: pre-activation of hidden layer m (m < hidden), z[hidden]: the logits
        z, h = [], []
        inputs = x
        for m in range(hidden + 1):
            z.append(torch.addmm(biases[m], inputs, weights[m].T))
            if m < hidden:
                h.append(act(z[m]))
                inputs = h[m]
        ablated = [[] for _ in range(hidden)]

        def score():
            logits = z[hidden]
            accuracy.append((logits.argmax(dim=1) == y).sum().item() / len(y))
            loss.append(torch.nn.functional.cross_entropy(logits.double(), y).item())

        score()
        for layer, neuron in order:
            column = h[layer][:, neuron]
            delta = values[layer][neuron] - column
            z[layer + 1].addr_(delta, weights[layer + 1][:, neuron])
            column.fill_(values[layer][neuron])
            ablated[layer].append(neuron)
            for m in range(layer + 1, hidden):
                act(z[m], out=h[m])
                if ablated[m]:
                    index = torch.tensor(ablated[m])
                    h[m].index_copy_(1, index, values[m][index].expand(len(y), -1).contiguous())
                torch.addmm(biases[m + 1], h[m], weights[m + 1].T, out=z[m + 1])
            score()
    return np.array(accuracy), np.array(loss)


def replacement_values(torch, model, x, value):
    """Per hidden layer, each neuron's replacement: 0 or its float64 mean on `x`, as float32."""
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    values = []
    with torch.no_grad():
        inputs = torch.from_numpy(x)
        for m, lin in enumerate(linears[:-1]):
            inputs = model[2 * m + 1](lin(inputs))
            if value == "mean":
                values.append(inputs.double().mean(dim=0).float())
            else:
                values.append(torch.zeros(lin.out_features))
    return values


def crate_curve(model_path, data_dir, dataset, ranking, scope, value, out, threads):
    """Runs the `ablate` example; its CPU time (user + system) and wall time, and its curve."""
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    scope_arg = "global" if scope == "global" else f"layer:{scope}"
    cmd = [str(ABLATE), "--model", str(model_path), "--data", str(data_dir), "--dataset", dataset,
           "--ranking", str(ranking), "--scope", scope_arg, "--value", value, "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    table = np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2)
    return cpu, wall, table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the random orders")
    parser.add_argument("--out", type=Path, default=REPO / "target" / "torch-incremental")
    parser.add_argument("--only", default="", help="run only the curves whose label contains this")
    args = parser.parse_args()
    try:
        if np is None:
            raise ImportError("numpy")
        import safetensors.torch  # noqa: F401
        import torch
    except ImportError:
        print("torch_incremental: skipped, PyTorch, numpy or safetensors is not installed")
        return 0
    if not DATA.is_dir():
        print(f"torch_incremental: skipped, {DATA} (the real data) is missing")
        return 0
    if not ABLATE.is_file():
        print(f"torch_incremental: {ABLATE} is missing; run `cargo build --release --example ablate` first")
        return 1

    print(f"10,000 test images, one seeded random order per curve, every k; best of {args.repeat}")
    print("| curve | test accuracy | crate, 1 thread (CPU s) | PyTorch incremental, 1 thread (CPU s) | ratio "
          "| crate, 2 threads (wall s) | PyTorch incremental, 2 threads (wall s) | wall ratio "
          "| agreement (max Δ samples, max relative Δ loss) |")
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    rows = []
    splits = {}
    for label, name, scope, value in CURVES:
        if args.only not in label:
            continue
        directory, dataset, act, widths = NETWORKS[name]
        if directory not in splits:
            splits[directory] = (load_split(DATA / directory, "train"), load_split(DATA / directory, "t10k"))
        (x_train, y_train), (x_test, y_test) = splits[directory]
        model_path = args.out / f"{name}.safetensors"
        torch.set_num_threads(2)
        model = trained_model(torch, name, model_path, x_train, y_train, args.epochs)
        model.eval()

        rng = np.random.default_rng(args.seed)
        if scope == "global":
            neurons = [(layer, i) for layer, width in enumerate(widths) for i in range(width)]
        else:
            neurons = [(scope, i) for i in range(widths[scope])]
        order = [neurons[j] for j in rng.permutation(len(neurons))]
        tag = f"{name}-{scope}-{value}"
        ranking = args.out / f"{tag}-order.csv"
        ranking.write_text("layer,neuron\n" + "".join(f"{layer},{i}\n" for layer, i in order))
        values = replacement_values(torch, model, x_train, value)
        xe, ye = torch.from_numpy(x_test), torch.from_numpy(y_test)

        timings = {}
        for threads in (1, 2):
            torch.set_num_threads(threads)
            cpu, wall = [], []
            for _ in range(args.repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                accuracy, loss = incremental_curve(torch, model, xe, ye, order, values)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            timings[("torch", threads)] = (min(cpu), min(wall))
            cpu, wall = [], []
            for _ in range(args.repeat):
                c, w, table = crate_curve(model_path, DATA / directory, dataset, ranking, scope, value,
                                          args.out / f"{tag}-curve.csv", threads)
                cpu.append(c)
                wall.append(w)
            timings[("crate", threads)] = (min(cpu), min(wall))

        if not np.array_equal(table[:, 0], np.arange(len(order) + 1)):
            raise SystemExit(f"{label}: the crate's checkpoints are not k = 0 … {len(order)}")
        n = len(y_test)
        worst_samples = int(np.max(np.abs(np.rint(table[:, 2] * n) - np.rint(accuracy * n))))
        worst_loss = float(np.max(np.abs(table[:, 3] - loss) / np.abs(loss)))
        agrees = worst_samples <= MAX_ACCURACY_SAMPLES and worst_loss <= MAX_LOSS_RELATIVE
        rows.append(agrees)
        crate_cpu, torch_cpu = timings[("crate", 1)][0], timings[("torch", 1)][0]
        crate_wall, torch_wall = timings[("crate", 2)][1], timings[("torch", 2)][1]
        print(f"| {label} | {accuracy[0]:.4f} | {crate_cpu:.2f} | {torch_cpu:.2f} | {torch_cpu / crate_cpu:.1f}× "
              f"| {crate_wall:.2f} | {torch_wall:.2f} | {torch_wall / crate_wall:.1f}× "
              f"| {'yes' if agrees else 'NO'} ({worst_samples}, {worst_loss:.1e}) |", flush=True)

    if not rows:
        print(f"torch_incremental: no curve label contains `{args.only}`")
        return 1
    return 0 if all(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
