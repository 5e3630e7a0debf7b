"""Independent implementations of the pair measures of `docs/measures.md`
("Neuron pairs"), for the checks of issue 11: the quantizers as written in
the definition file, the closed forms through dit, `red_broja` as cvxpy's
exponential-cone program, and `red_prec` as the maximum of `I(Y;Q)` over
every vertex of Kolchinsky's channel polytope, enumerated by cddlib
(pycddlib) in its own variables `s(q|t1), s(q|t2)`. Nothing here calls
infoablate. Needs dit, cvxpy and pycddlib (the callers skip without them)."""

import math

import numpy as np

LN2 = math.log(2)


def quantize(acts, quantizer, bins=None, threshold=0.0):
    """Every neuron's bins (`samples × neurons`, int), fitted on `acts`."""
    a = acts.astype(np.float64)
    if quantizer == "binary":
        return (a > threshold).astype(np.int64)
    if quantizer == "equal-width":
        lo, hi = a.min(axis=0), a.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        b = np.minimum(bins - 1, np.floor((a - lo) / span * bins))
        b[:, hi == lo] = 0
        return np.clip(b, 0, bins - 1).astype(np.int64)
    raise ValueError(quantizer)


def pair_counts(t1, t2, labels):
    """`n[t1][t2][y]` (int) with empty bins and classes dropped."""
    _, t1 = np.unique(t1, return_inverse=True)
    _, t2 = np.unique(t2, return_inverse=True)
    _, y = np.unique(labels, return_inverse=True)
    counts = np.zeros((t1.max() + 1, t2.max() + 1, y.max() + 1), np.int64)
    np.add.at(counts, (t1, t2, y), 1)
    return counts


def closed_forms(n):
    """`mi_1, mi_2, joint_mi, interaction_info, red_mmi, red_wb` in bits of
    counts `n`, by dit."""
    import dit

    p = n / n.sum()
    cells = np.argwhere(p > 0)
    d = dit.Distribution([tuple(int(v) for v in c) for c in cells], [p[tuple(c)] for c in cells])
    sources, target, red = [[0], [1]], [2], ((0,), (1,))
    return {
        "mi_1": dit.shannon.mutual_information(d, [0], target),
        "mi_2": dit.shannon.mutual_information(d, [1], target),
        "joint_mi": dit.shannon.mutual_information(d, [0, 1], target),
        "interaction_info": -dit.multivariate.coinformation(d, [[0], [1], [2]]),
        "red_mmi": dit.pid.PID_MMI(d, sources, target)[red],
        "red_wb": dit.pid.PID_WB(d, sources, target)[red],
    }


def entropy_nats(p):
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def mutual_info_nats(pxy):
    """`I(X;Y)` of a joint pmf `x × y`."""
    return entropy_nats(pxy.sum(axis=1)) + entropy_nats(pxy.sum(axis=0)) - entropy_nats(pxy)


def red_broja(n):
    """`mi_1 + mi_2 − H(Y) + max_{q∈Δ} H_q(Y|T1,T2)` in bits of counts `n`;
    the maximum by cvxpy (Clarabel, tight tolerances) over the cells that
    can be positive."""
    import cvxpy as cp

    p = n / n.sum()
    b1, b2, c = p.shape
    p1y, p2y, py = p.sum(axis=1), p.sum(axis=0), p.sum(axis=(0, 1))
    cells = [(i, j, y) for i in range(b1) for j in range(b2) for y in range(c) if p1y[i, y] > 0 and p2y[j, y] > 0]
    q = cp.Variable(len(cells), nonneg=True)
    select = lambda f: np.array([[1.0 if f(cell) else 0.0 for cell in cells]])  # noqa: E731
    constraints = [select(lambda cell, i=i, y=y: cell[::2] == (i, y)) @ q == p1y[i, y] for i in range(b1) for y in range(c)]
    constraints += [select(lambda cell, j=j, y=y: cell[1:] == (j, y)) @ q == p2y[j, y] for j in range(b2) for y in range(c)]
    # Q(t1, t2) of each cell's (t1, t2): the cell total
    same = np.array([[1.0 if a[:2] == b[:2] else 0.0 for b in cells] for a in cells])
    objective = cp.Maximize(-cp.sum(cp.rel_entr(q, same @ q)))
    problem = cp.Problem(objective, constraints)
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, max_iter=500)
    mi_1, mi_2 = mutual_info_nats(p1y), mutual_info_nats(p2y)
    return (mi_1 + mi_2 - entropy_nats(py) + problem.value) / LN2


def channel_polytope_vertices(n):
    """The vertices of `{s(q|t1), s(q|t2) ≥ 0 : Σ_q s = 1, Σ_t1 s(q|t1) p(t1|y) =
    Σ_t2 s(q|t2) p(t2|y)}` with `n_q = B1 + B2 − 1` from counts `n`, by
    cddlib (each garbling equation times `n(y)`, so that every coefficient is
    an integer count): an array `vertices × n_q × (B1 + B2)`, and the
    channels `p(t_i|y)`, `classes × bins`."""
    import cdd

    b1, b2, c = n.shape
    n1y, n2y = n.sum(axis=1).T.astype(float), n.sum(axis=0).T.astype(float)  # classes × bins
    nq, width = b1 + b2 - 1, b1 + b2
    dim = nq * width
    var = lambda q, t: q * width + t  # noqa: E731  t < b1: s(q|t1 = t); else s(q|t2 = t − b1)
    rows, equalities = [], []
    for t in range(width):  # each column a distribution over q
        row = [-1.0] + [0.0] * dim
        for q in range(nq):
            row[1 + var(q, t)] = 1.0
        equalities.append(row)
    for q in range(nq):  # the same channel of y through either neuron
        for y in range(c):
            row = [0.0] * (1 + dim)
            for t in range(b1):
                row[1 + var(q, t)] = n1y[y, t]
            for t in range(b2):
                row[1 + var(q, b1 + t)] = -n2y[y, t]
            equalities.append(row)
    for v in range(dim):  # s ≥ 0
        row = [0.0] * (1 + dim)
        row[1 + v] = 1.0
        rows.append(row)
    matrix = cdd.matrix_from_array(
        equalities + rows, lin_set=set(range(len(equalities))), rep_type=cdd.RepType.INEQUALITY
    )
    generators = cdd.copy_generators(cdd.polyhedron_from_matrix(matrix)).array
    vertices = np.array([g[1:] for g in generators if g[0] == 1.0], dtype=float)
    ny = n.sum(axis=(0, 1))[:, None]
    return vertices.reshape(-1, nq, width), n1y / ny, n2y / ny


def red_prec(n):
    """`I_∩^≺` in bits of counts `n`: `max I_s(Y;Q)` over the polytope's
    vertices (`I_s` is convex in the channel, so a vertex attains the
    maximum), and the number of vertices."""
    vertices, k1, _ = channel_polytope_vertices(n)
    b1 = n.shape[0]
    py = n.sum(axis=(0, 1)) / n.sum()
    best = 0.0
    for v in vertices:
        s = np.clip(v[:, :b1], 0, None) @ k1.T  # s(q|y), n_q × classes
        joint = s * py  # p(q, y)
        best = max(best, mutual_info_nats(joint))
    return best / LN2, len(vertices)


def load_mnist_sample(repo, split):
    """The shipped MNIST sample (`data/mnist-sample`): images `N × 784` in
    [0, 1] (float32) and labels."""
    import gzip

    prefix = "train" if split == "train" else "t10k"
    folder = repo / "data" / "mnist-sample"
    with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return (images / np.float32(255)).astype(np.float32), labels.astype(np.int64)


def mnist_relu_layer(repo, width, seed=0, epochs=2):
    """A 784-`width`-10 ReLU network trained by plain minibatch SGD (numpy,
    seeded) on the sample's training images; its hidden layer on the
    sample's 2,000 test images (float32) and their labels."""
    x, y = load_mnist_sample(repo, "train")
    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal((784, width)) * np.sqrt(2 / 784)).astype(np.float32)
    b1 = np.zeros(width, np.float32)
    w2 = (rng.standard_normal((width, 10)) * np.sqrt(2 / width)).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    lr, batch = 0.1, 100
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch):
            idx = order[start : start + batch]
            h = np.maximum(x[idx] @ w1 + b1, 0)
            logits = h @ w2 + b2
            prob = np.exp(logits - logits.max(axis=1, keepdims=True))
            prob /= prob.sum(axis=1, keepdims=True)
            prob[np.arange(len(idx)), y[idx]] -= 1
            grad = prob / len(idx)
            dh = (grad @ w2.T) * (h > 0)
            w2 -= lr * h.T @ grad
            b2 -= lr * grad.sum(axis=0)
            w1 -= lr * x[idx].T @ dh
            b1 -= lr * dh.sum(axis=0)
    xt, yt = load_mnist_sample(repo, "test")
    return np.maximum(xt @ w1 + b1, 0).astype(np.float32), yt
