"""The README's "From Python" example runs as written (needs PyTorch)."""

import re

import numpy as np
import pytest

from conftest import REPO


def test_the_readme_example_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch", reason="PyTorch is not installed (optional: pip install torch)")
    pytest.importorskip("safetensors.torch", reason="safetensors is not installed")
    readme = REPO / "README.md"
    if not readme.exists():
        pytest.skip("needs the repository's README.md")
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
    assert len(blocks) == 2, "the toy model, then the example"
    monkeypatch.chdir(tmp_path)
    scope = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), scope)
    curve, band = scope["curve"], scope["band"]
    assert curve["k"].tolist() == list(range(17))
    assert curve["accuracy"][0] > 0.9  # the toy model learned its task
    assert 0.0 <= curve["auc"] <= 1.0 and 0.0 <= band["mean_auc"] <= 1.0
    assert np.all(band["min_accuracy"] <= band["max_accuracy"])
    assert "[" in capsys.readouterr().out
