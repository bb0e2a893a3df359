"""Report.to_pandas: the table, the labelled matrices, probes and series as DataFrames."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tda_nn.report import Report


@pytest.fixture
def report():
    return Report(
        title="t",
        layers=("conv1", "fc1", "fc2"),
        table={"fc1": {"betti_H1@median": 2.0, "n_points": 400}, "conv1": {"n_points": 400, "entropy_H0": 3.5},
               "fc2": {"n_points": 100}},
        matrices={"linear CKA": (("conv1", "fc1", "fc2"), np.array([[1, 0.5, 0.2], [0.5, 1, 0.7], [0.2, 0.7, 1]]))},
        series={"steps": [0, 10, 20], "betti_H1@0.5": {"conv1": [1, 2, 3], "fc1": [0, 0]}},
        probes={"layers": ["conv1", "fc1"], "topological": [0.9, 0.8], "linear": [0.95, 0.99], "shuffled": [0.1, 0.12],
                "chance": 0.1, "meta": {}},
    )


def test_table_and_matrices(report):
    pd = pytest.importorskip("pandas")
    frames = report.to_pandas()
    assert list(frames) == ["table", "linear CKA", "probes", "series: betti_H1@0.5"]
    table = frames["table"]
    assert list(table.index) == ["conv1", "fc1", "fc2"] and table.index.name == "layer"  # model order
    assert list(table.columns) == ["n_points", "betti_H1@median", "entropy_H0"]  # the report page's column order
    assert table.loc["fc1", "betti_H1@median"] == 2.0 and np.isnan(table.loc["fc2", "entropy_H0"])
    cka = frames["linear CKA"]
    assert list(cka.index) == list(cka.columns) == ["conv1", "fc1", "fc2"]
    assert cka.loc["fc1", "fc2"] == 0.7 and cka.loc["fc2", "fc1"] == 0.7
    assert frames["probes"].loc["fc1"].tolist() == [0.8, 0.99, 0.12]
    series = frames["series: betti_H1@0.5"]
    assert series.index.name == "step" and list(series.index) == [0, 10, 20]
    assert series["conv1"].tolist() == [1, 2, 3] and np.isnan(series.loc[20, "fc1"])
    assert isinstance(table, pd.DataFrame)


def test_empty_report():
    pytest.importorskip("pandas")
    frames = Report(title="empty").to_pandas()
    assert list(frames) == ["table"] and frames["table"].shape == (0, 0)


def test_without_pandas_names_the_extra(report, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "tda_nn\[pandas\]"'):
        report.to_pandas()
