"""The workflows' numbers before and after a refactor: every table, matrix and finding, bit for bit.

``tests/data/make_golden.py`` wrote ``tests/data/golden_*.json`` from the code before the house of
issue 23 was built; this test recomputes every run and compares. Numbers must be equal exactly
(``==`` on floats as JSON reads them). Regenerate the files only when a change of numbers is intended.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

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
        assert got[key] == want[key], f"{name}: {key} changed"
