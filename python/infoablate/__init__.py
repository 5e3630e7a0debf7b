"""Which neurons of a trained network matter, and why.

Python bindings of the ``infoablate`` Rust crate: information measures of
hidden neurons (entropy, mutual information with the class, KL selectivity,
class selectivity index), the redundancy and synergy of neuron pairs, and
cumulative-ablation accuracy / loss curves, on numpy arrays. The crate does
all the work, with the GIL released; every number follows the crate's
definition file (``docs/measures.md``).
"""

from ._infoablate import (
    MAX_CLASSES,
    Accumulator,
    Mlp,
    ablation_curve,
    pairs,
    random_band,
    record,
    scores,
)

__all__ = [
    "MAX_CLASSES",
    "Accumulator",
    "Mlp",
    "ablation_curve",
    "pairs",
    "random_band",
    "record",
    "scores",
]
