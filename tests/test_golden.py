"""The workflows' numbers before and after a refactor: every table, matrix and finding, bit for bit.

``tests/data/make_golden.py`` wrote ``tests/data/golden_*.json`` from the code before the house of
issue 23 was built (main at the merge of the results, significance, exact and mapper branches, with
the old ``workflows.py``); this test recomputes every run and compares. The findings of
``compare`` and ``track`` are the house's own (the series workflows had none before), and the findings of the
analyses were rewritten after the significance merge (its rules: ``band_binds`` and the threshold's
unit), with every table and matrix unchanged. Numbers must be equal exactly
(``==`` on floats as JSON reads them), with one stated exception: the CKA matrices. The house
computes them with :func:`tda_nn.diagnostics.cka` instead of the workflows' private copy (issue 23,
item 5); that function sums in feature space when it is smaller and takes the RBF bandwidth as the
median distance rather than the square root of the median squared distance, so CKA values move in
their last digits (measured: at most 5e-12). They are compared to 1e-9. Regenerate the files only
when a change of numbers is intended.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"
spec = importlib.util.spec_from_file_location("make_golden", DATA / "make_golden.py")
make_golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_golden)


@pytest.mark.parametrize("name", ["demo", "quickstart", "extras", "compare", "track"])
def test_numbers_are_unchanged(name):
    want = json.loads((DATA / f"golden_{name}.json").read_text())
    got = json.loads(json.dumps(make_golden.numbers(make_golden.runs()[name]()), sort_keys=True))
    assert got.keys() == want.keys()
    for key in want:
        if key == "matrices":
            cka = {k for k in want[key] if "CKA" in k}
            assert {k: v for k, v in got[key].items() if k not in cka} == {
                k: v for k, v in want[key].items() if k not in cka}, f"{name}: distance matrices changed"
            for k in cka:
                assert got[key][k]["labels"] == want[key][k]["labels"]
                assert np.allclose(got[key][k]["matrix"], want[key][k]["matrix"], rtol=0, atol=1e-9), k
            continue
        assert got[key] == want[key], f"{name}: {key} changed"
