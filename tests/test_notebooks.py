"""Every notebook in notebooks/ runs end to end in a fresh kernel.

The notebooks check their own results with ``assert`` cells (known Betti numbers
of synthetic shapes, probes above their shuffled-label control, reports that
reload equal), so a notebook that runs here also shows what it claims. Each is
executed with nbclient (kernel ``python3``) in a temporary working directory with
the Agg backend, and should take about a minute or less on a 2-core machine.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_STORED_BYTES = 300_000


def test_notebooks_found():
    names = {p.stem for p in NOTEBOOKS}
    assert {"quickstart", "comparing_layers", "over_training", "probes", "untangling", "symmetries",
            "which_inputs_make_the_loop"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_small(path):
    """Stored cleared, or with small outputs, so the repository stays small."""
    assert path.stat().st_size < MAX_STORED_BYTES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # the kernel inherits the environment: Agg means no inline PNGs to encode, and tda_nn
    # imports from this checkout even where it is not installed
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                      resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
              if out.get("output_type") == "error"]
    assert not errors
    print(f"{path.name}: {seconds:.1f} s")
