"""Workflows from Python: analyze, compare_checkpoints, track, and the Report they return."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import circle

import tda_nn
from tda_nn import zoo
from tda_nn.report import Report
from tda_nn.workflows import analyze, compare_checkpoints, track


@pytest.fixture(scope="module")
def circle_data():
    X = circle(150, noise=0.03).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    return torch.as_tensor(X), torch.as_tensor(y)


@pytest.fixture(scope="module")
def relu_mlp():
    torch.manual_seed(0)
    return zoo.mlp(2, 16, 2, 2)


@pytest.fixture(scope="module")
def report(relu_mlp, circle_data):
    return analyze(relu_mlp, circle_data, layers=["input", "act0", "act1"], max_points=500, progress=False)


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return torch.as_tensor(d.data.reshape(-1, 1, 8, 8) / 16, dtype=torch.float32), torch.as_tensor(d.target)


class TestAnalyze:
    def test_input_layer_is_the_circle(self, report, circle_data):
        # one significant loop and one significant component; the diagrams are the cloud's own
        row = report.table["input"]
        assert row["n_significant_H1"] == 1 and row["n_significant_H0"] == 1
        # the universal test: the loop's p-value, the family it was corrected over, a death/birth threshold
        assert row["p_H1"] < 1e-3 and row["n_tests_H1"] >= 1 and row["threshold_H1"] > 1.0
        assert not any(c.startswith(("betti_", "entropy_")) for c in row)  # no fixed-scale column by default
        # significant_bars computes in float64: the float32 cloud's own diagrams to float32 precision
        ref = tda_nn.persistence(circle_data[0].numpy(), maxdim=1)
        for dim in (0, 1):
            np.testing.assert_allclose(report.diagrams["input"][dim], ref[dim], rtol=1e-5)

    def test_matrices_are_labelled_and_consistent(self, report):
        assert list(report.matrices) == ["wasserstein H0", "wasserstein H1", "linear CKA", "RBF CKA"]
        for name in ("wasserstein H0", "wasserstein H1"):
            labels, D = report.matrices[name]
            assert labels == ("input", "act0", "act1")
            np.testing.assert_allclose(D, D.T)
            np.testing.assert_array_equal(np.diag(D), 0.0)
            assert (D[np.triu_indices(3, 1)] > 0).all()
        labels, C = report.matrices["linear CKA"]
        np.testing.assert_allclose(np.diag(C), 1.0)
        np.testing.assert_allclose(C, C.T)
        assert ((C > 0) & (C <= 1 + 1e-9)).all()

    def test_cka_matches_the_function(self, report, relu_mlp, circle_data):
        acts = tda_nn.capture(relu_mlp, circle_data, ["input", "act1"], reduce="flatten", progress=False)
        expected = tda_nn.diagnostics.cka(acts["input"], acts["act1"])
        assert report.matrices["linear CKA"][1][0, 2] == pytest.approx(expected, rel=1e-10)
        expected = tda_nn.diagnostics.cka(acts["input"], acts["act1"], kernel="rbf")
        assert report.matrices["RBF CKA"][1][0, 2] == pytest.approx(expected, rel=1e-10)

    def test_per_dimension_matrices_are_the_normalised_diagram_distances(self, report):
        from tda_nn.diagrams import Diagrams

        scaled = [Diagrams([np.asarray(a) / report.table[lay]["median_distance"] for a in report.diagrams[lay]])
                  for lay in report.layers]
        for k in (0, 1):
            expected = tda_nn.pairwise_diagram_distances(scaled, metric="wasserstein", dim=k)
            np.testing.assert_allclose(report.matrices[f"wasserstein H{k}"][1], expected, rtol=1e-12)
        assert "wasserstein H0..H1" not in report.matrices  # a combined matrix only when asked

    def test_provenance(self, report):
        cfg = report.config
        assert cfg["layers"] == ["input", "act0", "act1"]
        assert cfg["n_samples"] == 150 and cfg["reduce"] == "flatten" and cfg["tda_nn_version"] == tda_nn.__version__
        assert set(cfg["timings"]) >= {"plan", "capture", "persistence", "comparison", "findings"}
        prov = cfg["provenance"]
        assert prov["tda_nn"] == tda_nn.__version__ and prov["numpy"] == np.__version__
        assert prov["torch"].split("+")[0] == torch.__version__.split("+")[0]
        assert prov["engine_used"] == [report.diagrams["input"].meta["backend"]]
        assert prov["n_parameters"] == 2 * 16 + 16 + 16 * 16 + 16 + 16 * 2 + 2 and prov["seed"] == 0
        assert prov["model_class"].endswith("Sequential") and len(prov["inputs_sha256"]) == 64
        assert prov["date"].startswith("20") and set(prov["engines"]) == {"giotto-ph", "ripser", "gudhi"}

    def test_regions_of_a_relu_network(self, report, relu_mlp, circle_data):
        r = report.regions
        assert r is not None and set(r["counts_by_layer"]) == {"act0", "act1"}
        labels = np.asarray(r["labels"])
        assert labels.shape == (128, 128)
        assert r["n_regions"] == len(np.unique(labels)) >= 2
        # a small ReLU MLP: the whole window counted exactly, the polygons kept for the figure
        assert r["method"] == "exact" and not r["lower_bound"]
        assert r["full_window_regions"] == len(r["polygons"]) == r["full_window_counts_by_layer"]["act1"]
        assert r["full_window_regions"] >= r["n_regions"]  # the grid is a lower bound
        # 16 units of the first layer cut a plane into at most 1 + 16 + C(16, 2) regions
        assert r["counts_by_layer"]["act0"] <= 1 + 16 + 120
        fresh = tda_nn.region_counts(relu_mlp, circle_data[0].numpy(), plane=None)
        assert r["data_patterns"]["patterns"] == fresh["patterns"]

    def test_no_regions_without_relu(self, circle_data):
        torch.manual_seed(0)
        tanh = zoo.mlp(2, 8, 2, 1, activation="tanh")
        rep = analyze(tanh, circle_data, layers=["act0"], progress=False)
        assert rep.regions is None
        with pytest.raises(ValueError, match="ReLU"):
            analyze(tanh, circle_data, layers=["act0"], regions=True, progress=False)

    def test_landmarks_are_recorded(self, relu_mlp, circle_data):
        rep = analyze(relu_mlp, circle_data, layers=["act1"], max_points=60, progress=False, regions=False)
        assert rep.table["act1"]["n_points"] == 60
        assert 0 < rep.table["act1"]["landmark_bound"] < 2
        meta = rep.diagrams["act1"].meta
        assert rep.table["act1"]["landmark_bound"] == pytest.approx(meta["bottleneck_bound"] / meta["reference_scale"])
        assert rep.table["act1"]["threshold_H1"] >= 2 * rep.table["act1"]["landmark_bound"]
        assert rep.diagrams["act1"].meta["bottleneck_bound"] == pytest.approx(2 * rep.diagrams["act1"].meta["covering_radius"])
        assert any("landmarks" in n for n in rep.notes)

    def test_per_class_rows(self, relu_mlp, circle_data):
        rep = analyze(relu_mlp, circle_data, layers=["input"], per_class=True, progress=False, regions=False,
                      class_names=["left", "right"])
        # each half of the circle is an arc: one component, no loop
        assert rep.table["input"]["class left: n_significant_H0"] == 1
        assert rep.table["input"]["class right: n_significant_H1"] == 0
        assert rep.views["class_names"] == {"0": "left", "1": "right"}
        with pytest.raises(ValueError, match="class_names"):
            analyze(relu_mlp, circle_data, layers=["input"], class_names=["one"], progress=False, regions=False)

    def test_bad_input(self, relu_mlp, circle_data):
        X = circle_data[0]
        with pytest.raises(ValueError, match="probe=True needs labels"):
            analyze(relu_mlp, X, layers=["act0"], probe=True, progress=False)
        with pytest.raises(ValueError, match="per_class"):
            analyze(relu_mlp, X, layers=["act0"], per_class=True, progress=False)
        with pytest.raises(ValueError, match="act0"):
            analyze(relu_mlp, X, layers=["actO"], progress=False)
        with pytest.raises(ValueError, match="reduce"):
            analyze(relu_mlp, X, layers=["act0"], reduce="median", progress=False)
        with pytest.raises(ValueError, match="max_points"):
            analyze(relu_mlp, X, layers=["act0"], max_points=1, progress=False)
        nan = X.clone()
        nan[3, 0] = float("nan")
        with pytest.raises(ValueError, match="NaN"):
            analyze(relu_mlp, nan, layers=["input"], progress=False)

    def test_analyze_is_a_plain_function(self):
        import inspect

        assert inspect.isfunction(tda_nn.analyze) and inspect.isfunction(tda_nn.capture)
        assert {"model", "data", "layers", "maxdim", "regions"} <= set(inspect.signature(tda_nn.analyze).parameters)
        assert {"model", "data", "layers", "reduce", "max_memory"} <= set(inspect.signature(tda_nn.capture).parameters)
        assert "Parameters" in (tda_nn.analyze.__doc__ or "")


class TestProbe:
    def test_topological_probe_beats_the_shuffled_control(self, digits):
        model = zoo.load_digits_cnn()
        rep = analyze(model, digits, layers=["conv2"], max_samples=600, probe=True, progress=False, regions=False)
        p = rep.probes
        assert p["layers"] == ["conv2"]
        topo, shuffled, chance = p["topological"][0], p["shuffled"][0], p["chance"]
        # the shape of each sample's spatial cloud carries the digit, shuffled labels carry nothing
        assert topo > shuffled + 0.2 and topo > chance + 0.2
        assert shuffled < chance + 0.1
        assert 0.5 < p["linear"][0] <= 1

    def test_cubical_probe_on_feature_maps(self, digits):
        model = zoo.load_digits_cnn()
        rep = analyze(model, digits, layers=["conv2"], max_samples=450, probe=True, probe_kind="image",
                      progress=False, regions=False)
        p = rep.probes
        assert p["meta"]["kind"] == "image"
        assert p["topological"][0] > p["shuffled"][0] + 0.3

    def test_probe_layers_need_structure(self, digits):
        model = zoo.load_digits_cnn()
        with pytest.raises(ValueError, match="per-sample structure"):
            analyze(model, digits, layers=["fc1"], probe=True, probe_layers=["fc1"], max_samples=60, progress=False,
                    regions=False)


class TestReportFiles:
    def test_save_load_round_trip(self, report, tmp_path):
        out = report.save(tmp_path / "rep")
        for name in ("report.json", "report.html", "diagrams.png", "layer_distances.png", "regions.png", "views.png"):
            assert (out / name).stat().st_size > 1000, name
        back = Report.load(out)
        assert back == report
        assert back.findings == report.findings and len(back.findings) > 0
        assert back.views == report.views
        for layer in report.layers:
            assert back.diagrams[layer] == report.diagrams[layer]
        assert back.regions["n_regions"] == report.regions["n_regions"]

    def test_html_is_self_contained(self, report, tmp_path):
        html = (report.save(tmp_path / "rep") / "report.html").read_text()
        assert html.count("data:image/png;base64,") >= 4
        assert "http://" not in html and "https://" not in html and "<script" not in html
        assert "act1" in html and "linear CKA" in html
        # the findings head the page; every column has a legend
        assert html.index("<h2>Findings</h2>") < html.index("<h2>Per-layer summary</h2>")
        assert report.findings[0].text.split(":")[0] in html
        assert "<dt>threshold H1</dt>" in html and "torch" in html

    def test_summary_is_json(self, report):
        s = json.loads(json.dumps(report.summary()))
        assert s["layers"] == ["input", "act0", "act1"] and "linear CKA" in s["matrices"]

    def test_corrupt_files_give_a_clear_error(self, report, tmp_path):
        out = report.save(tmp_path / "rep", figures=False)
        (out / "report.json").write_text((out / "report.json").read_text()[:200])
        with pytest.raises(ValueError, match="not a readable tda_nn report"):
            Report.load(out)
        out = report.save(tmp_path / "rep2", figures=False)
        npz = next((out / "diagrams").rglob("*.npz"))
        npz.write_bytes(npz.read_bytes()[:100])
        with pytest.raises(ValueError):
            Report.load(out)
        with pytest.raises(FileNotFoundError):
            Report.load(tmp_path / "nothing")


class TestCompareAndTrack:
    def test_compare_checkpoints(self, relu_mlp, circle_data):
        torch.manual_seed(1)
        other = zoo.mlp(2, 16, 2, 2)
        rep = compare_checkpoints([relu_mlp, relu_mlp, other], circle_data, names=["a", "a2", "b"], layers=["act1"],
                                  progress=False)
        labels, D = rep.matrices["wasserstein: act1"]
        assert labels == ("a", "a2", "b")
        assert D[0, 1] == 0 and D[0, 2] > 0 and D[0, 2] == D[2, 0]
        C = rep.matrices["CKA: act1"][1]
        assert C[0, 1] == pytest.approx(1.0) and C[0, 2] < 1
        assert set(rep.diagrams) == {"a:act1", "a2:act1", "b:act1"}
        with pytest.raises(ValueError, match="at least 2"):
            compare_checkpoints([relu_mlp], circle_data, progress=False)
        with pytest.raises(ValueError, match="names"):
            compare_checkpoints([relu_mlp, other], circle_data, names=["x"], progress=False)

    def test_track_training(self, circle_data, tmp_path):
        X, y = circle_data
        torch.manual_seed(0)
        model = zoo.mlp(2, 16, 2, 2)
        states = []
        zoo.train_classifier(model, X.numpy(), y.numpy(), epochs=3,
                             callback=lambda m, e: states.append({k: v.clone() for k, v in m.state_dict().items()}))
        models = []
        for s in states:
            m = zoo.mlp(2, 16, 2, 2)
            m.load_state_dict(s)
            models.append(m.eval())
        rep = track(models, circle_data, steps=[1, 2, 3], layers=["act0", "act1"], progress=False)
        assert rep.series["steps"] == [1, 2, 3]
        d = rep.series["wasserstein to previous"]
        assert np.isnan(d["act0"][0]) and all(v >= 0 for v in d["act0"][1:])
        patterns = rep.series["activation patterns on the data"]
        assert set(patterns) == {"act0", "act1"} and len(patterns["act1"]) == 3
        last = tda_nn.region_counts(models[-1], X.numpy(), plane=None)
        assert patterns["act1"][-1] == last["patterns"]
        assert "training" in rep.figures()
        Report.load(rep.save(tmp_path / "t", figures=False))
