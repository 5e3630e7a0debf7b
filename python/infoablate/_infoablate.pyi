"""Type stubs of the native module ``infoablate._infoablate``.

Arrays: activations and inputs are 2-D ``float32`` (``samples × columns``),
labels 1-D of any integer dtype; every returned array is new. Errors:
``ValueError`` for bad input and ``OSError`` for a file, both with the
crate's one-line message; ``TypeError`` for an argument of the wrong type.
Long work runs with the GIL released.
"""

from os import PathLike
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

Progress = Callable[[str, int, int], object]
"""Called as ``progress(stage, done, total)``; an exception it raises is
raised when the work returns."""

MAX_CLASSES: int
"""The most classes accepted (count tables hold ``bins × classes`` cells per neuron)."""

def scores(
    acts: npt.NDArray[np.float32],
    labels: npt.NDArray[np.integer],
    quantizer: str = "binary",
    threshold: Optional[float] = None,
    bins: Optional[int] = None,
    estimator: str = "plugin",
    units: str = "bits",
    num_classes: Optional[int] = None,
) -> Dict[str, npt.NDArray[np.float64]]:
    """Scores every neuron (column) of ``acts`` against ``labels``.

    Returns ``{"entropy", "mutual_info", "kl_selectivity", "csi"}``, one
    float64 value per neuron, exactly as the Rust crate computes them.

    - ``quantizer``: ``"binary"`` (``a > threshold``, threshold default 0;
      use 0.5 for sigmoid), ``"equal-width"``, ``"zero-equal-width"`` or
      ``"equal-frequency"`` (``bins``, default 10), fitted per neuron on
      ``acts``.
    - ``estimator``: ``"plugin"`` or ``"miller-madow"`` (entropy and mutual
      information; KL selectivity stays plug-in). ``units``: ``"bits"`` or
      ``"nats"``.
    - ``num_classes``: default one more than the largest label.

    >>> import numpy as np, infoablate
    >>> acts = np.array([[0, 1], [0, 2], [3, 1], [1, 2]], dtype=np.float32)
    >>> s = infoablate.scores(acts, np.array([0, 0, 1, 1]))
    >>> s["mutual_info"].tolist(), s["csi"].tolist()
    ([1.0, 0.0], [1.0, 0.0])

    """

def pairs(
    acts: npt.NDArray[np.float32],
    labels: npt.NDArray[np.integer],
    quantizer: str = "binary",
    threshold: Optional[float] = None,
    bins: Optional[int] = None,
    estimator: str = "plugin",
    units: str = "bits",
    num_classes: Optional[int] = None,
    pairs: Optional[npt.NDArray[np.integer]] = None,
    closed_forms_only: bool = False,
    on_failure: str = "stop",
) -> Dict[str, Union[npt.NDArray[np.int64], npt.NDArray[np.float64], List[Tuple[int, int, str]]]]:
    """Redundancy, synergy and partial information decomposition of pairs of
    neurons (columns) of ``acts`` against ``labels``, exactly as the Rust
    crate's ``pairs`` module (and its ``pairs`` example) computes them.

    ``pairs``: ``None`` for every pair ``i < j`` (lexicographic order), else
    an ``n × 2`` integer array of 0-based neuron indices, kept in its order.
    The other options are those of :func:`scores`; ``estimator`` applies to
    the mutual-information terms only (``red_wb``, ``red_broja``,
    ``red_prec`` are plug-in). ``closed_forms_only=True`` leaves out
    ``red_broja``, ``red_prec`` and their atoms (the programs: the rest is
    fast). ``on_failure="stop"`` raises ``ValueError`` at the first pair
    whose programs fail (past their size limits, e.g. many bins and
    classes); ``"record"`` leaves such pairs out and lists them.

    Returns ``i``, ``j`` (int64), then one float64 value per pair of
    ``mi_1``, ``mi_2``, ``joint_mi``, ``interaction_info`` (``joint_mi −
    mi_1 − mi_2``), the redundancies ``red_mmi``, ``red_wb`` (Williams–Beer),
    ``red_broja`` (Bertschinger et al.), ``red_prec`` (Kolchinsky's Blackwell
    redundancy), and for each ``R`` of ``mmi``, ``wb``, ``broja``, ``prec``
    the atoms ``unique_1_R``, ``unique_2_R``, ``synergy_R``; with
    ``on_failure="record"`` also ``failures``: the pairs left out, as
    ``(i, j, message)``. Fewer samples
    than about ``10 · B1 · B2 · C`` raise a ``UserWarning`` (the values are
    still returned).

    >>> import numpy as np, infoablate
    >>> x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 25, dtype=np.float32)
    >>> p = infoablate.pairs(x, (x[:, 0] * x[:, 1]).astype(int), threshold=0.5)  # AND
    >>> p["i"].tolist(), p["j"].tolist(), p["red_prec"].round(9).tolist(), p["synergy_wb"].round(9).tolist()
    ([0], [1], [0.311278124], [0.5])

    """

class Accumulator:
    """Count tables filled batch by batch (memory independent of the sample
    count); ``scores()`` gives exactly what :func:`scores` gives on the
    concatenated batches, with the quantizer fitted up front.

    The binary quantizer needs no fit; the others are fitted on ``fit_on``
    (activations of the analysis set, or a sample of it).

    >>> import numpy as np, infoablate
    >>> acc = infoablate.Accumulator(num_classes=2)
    >>> acc.update(np.array([[0, 1], [0, 2]], dtype=np.float32), np.array([0, 0]))
    >>> acc.update(np.array([[3, 1], [1, 2]], dtype=np.float32), np.array([1, 1]))
    >>> acc.scores()["mutual_info"].tolist(), acc.num_samples
    ([1.0, 0.0], 4)

    """

    def __init__(
        self,
        num_classes: int,
        quantizer: str = "binary",
        threshold: Optional[float] = None,
        bins: Optional[int] = None,
        estimator: str = "plugin",
        units: str = "bits",
        fit_on: Optional[npt.NDArray[np.float32]] = None,
    ) -> None: ...
    def update(self, acts: npt.NDArray[np.float32], labels: npt.NDArray[np.integer]) -> None:
        """Counts one batch; a rejected batch leaves the accumulator unchanged."""
    def merge(self, other: "Accumulator") -> None:
        """Adds the counts of another accumulator of disjoint samples (same
        fitted quantizer and class count): count tables exactly those of the
        union, class means up to float64 rounding."""
    def scores(self) -> Dict[str, npt.NDArray[np.float64]]:
        """The four measures of everything counted so far."""
    @property
    def num_samples(self) -> int:
        """Samples counted, own and merged."""

class Mlp:
    """A feed-forward classifier of ``nn.Linear`` layers (with or without
    bias; a ``BatchNorm1d`` right after a Linear is folded into it) with one
    hidden activation (``"relu"``, ``"tanh"``, ``"sigmoid"``, ``"gelu"``,
    ``"gelu_tanh"`` (``nn.GELU(approximate="tanh")``), ``"silu"``, ``"leaky_relu[:SLOPE]"`` or ``"elu[:ALPHA]"``), in PyTorch's
    ``nn.Sequential`` naming or with named layers."""

    @staticmethod
    def from_safetensors(
        path: Union[str, PathLike],
        activation: Optional[str] = None,
        layers: Optional[str] = None,
        force_activation: bool = False,
    ) -> "Mlp":
        """Loads ``safetensors.torch.save_file(model.state_dict(), path)``.
        ``activation=None`` takes the one the file records (files written by
        infoablate do); one that contradicts the record raises unless
        ``force_activation``. ``layers`` names the Linear modules of a model
        that is not an ``nn.Sequential``: ``"fc1+bn1,fc2,fc3"``."""
    @staticmethod
    def from_state_dict(
        state_dict: Mapping[str, npt.NDArray[np.floating]], activation: str, layers: Optional[str] = None
    ) -> "Mlp":
        """From ``{k: v.numpy() for k, v in model.state_dict().items()}``
        (float32 or float64 arrays; ``0.weight``, ``0.bias``, ``2.weight``, …,
        one shared prefix allowed; named modules with ``layers``)."""
    def forward(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Logits, ``samples × classes``."""
    @property
    def sizes(self) -> List[int]:
        """Layer widths, input first, classes last."""
    @property
    def activation(self) -> str:
        """The hidden activation's text form (``"gelu"``, ``"leaky_relu:0.01"``, …)."""
    @property
    def num_hidden(self) -> int: ...

def record(
    mlp: Mlp,
    x: npt.NDArray[np.float32],
    layers: Optional[Sequence[int]] = None,
    batch_size: int = 256,
    progress: Optional[Progress] = None,
) -> List[npt.NDArray[np.float32]]:
    """Post-activation outputs of hidden layers (all by default, numbered from
    0) on ``x``, one ``samples × width`` array per layer of ``layers``."""

Curve = Dict[
    str, Union[npt.NDArray[np.uint64], npt.NDArray[np.float64], float, str, Tuple[float, float], Tuple[int, float, int]]
]
Band = Dict[str, Union[npt.NDArray[np.uint64], npt.NDArray[np.float64], float, Tuple[float, float]]]

def ablation_curve(
    mlp: Mlp,
    x_eval: npt.NDArray[np.float32],
    y_eval: npt.NDArray[np.integer],
    order: Union[str, npt.NDArray[np.integer]],
    scope: str = "layer:0",
    replacement: str = "zero",
    mean_from: Optional[npt.NDArray[np.float32]] = None,
    scores: Union[None, npt.NDArray[np.floating], Sequence[npt.NDArray[np.floating]]] = None,
    seed: Optional[int] = None,
    ks: Optional[Sequence[int]] = None,
    measure: str = "scores",
    bootstrap: Optional[int] = None,
    level: Optional[float] = None,
    bootstrap_seed: Optional[int] = None,
) -> Curve:
    """Cumulative ablation of ``mlp`` scored on ``(x_eval, y_eval)``.

    ``order`` is ``"descending"`` / ``"ascending"`` with ``scores=`` (one
    array for the layer of ``scope="layer:L"``, or a list with one array per
    hidden layer; ties go to the lower layer, then the lower neuron),
    ``"random"`` with ``seed=``, or an explicit integer array: neuron indices
    of the scope's layer (1-D) or ``(layer, neuron)`` rows (``n × 2``), first
    ablated first. ``scope`` is ``"layer:L"`` or ``"global"``.
    ``replacement`` is ``"zero"`` or ``"mean"`` (each neuron's mean on the
    analysis inputs ``mean_from``). ``ks`` limits the points (every ``k``
    from 0 to ``n`` by default). ``measure`` names the scores in the label.

    Returns ``k`` (uint64), ``fraction`` (``k / n``), ``accuracy``, ``loss``
    (mean cross-entropy in nats), ``auc`` (trapezoid of accuracy over
    ``k / n``), and the curve's ``label`` and ``replacement``. With
    ``bootstrap=N`` (1 to 100,000; the intervals keep ``N`` values per ``k``
    and quantity, and cost about ``N × k × samples`` operations), ``N``
    resamples of the evaluation samples (drawn with ``bootstrap_seed``,
    default 0, the same for every ``k``) add percentile intervals at
    ``level`` (default 0.95; ``level`` and ``bootstrap_seed`` only with
    ``bootstrap``): ``accuracy_lower`` / ``accuracy_upper`` and
    ``loss_lower`` / ``loss_upper`` at each ``k``, ``auc_interval`` (a
    pair), and ``bootstrap`` (``(N, level, bootstrap_seed)``).
    """

def random_band(
    mlp: Mlp,
    x_eval: npt.NDArray[np.float32],
    y_eval: npt.NDArray[np.integer],
    seeds: Sequence[int],
    scope: str = "layer:0",
    replacement: str = "zero",
    mean_from: Optional[npt.NDArray[np.float32]] = None,
    ks: Optional[Sequence[int]] = None,
    percentiles: Tuple[float, float] = (5.0, 95.0),
    progress: Optional[Progress] = None,
) -> Band:
    """Random-order curves, one per seed, summarised point by point: ``k``,
    ``fraction``, ``mean_accuracy``, ``min_accuracy``, ``max_accuracy``,
    ``lower_accuracy`` / ``upper_accuracy`` (the ``percentiles``, linear
    interpolation), ``mean_loss``, ``aucs`` (one per seed), ``mean_auc``,
    ``seeds``, ``percentiles``. ``progress`` sees one report per seed."""
