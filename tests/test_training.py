"""TopologyMonitor, track_checkpoints and TrainingTrace storage."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tda_nn import zoo  # noqa: E402
from tda_nn.datasets import circles  # noqa: E402
from tda_nn.diagnostics.layers import layer_profile  # noqa: E402
from tda_nn.diagnostics.trace import TrainingTrace  # noqa: E402
from tda_nn.diagrams import Diagrams  # noqa: E402
from tda_nn.distances import wasserstein  # noqa: E402
from tda_nn.nn.capturing import capture  # noqa: E402
from tda_nn.nn.monitor import TopologyMonitor, track_checkpoints  # noqa: E402
from tda_nn.nn.regions import region_counts  # noqa: E402

LAYERS = ["act0", "act1", "out"]


@pytest.fixture(scope="module")
def data():
    X, y = circles(120, n_circles=2, noise=0.03, seed=0)
    return X.astype(np.float32), y


def _model(seed=0):
    torch.manual_seed(seed)
    return zoo.mlp(2, 8, 2, 2, "relu")


def test_monitor_series_length_and_values(data):
    X, y = data
    model = _model()
    monitor = TopologyMonitor(model, torch.as_tensor(X), layers=LAYERS, every=2, metric="wasserstein", dim=1)
    model.train()
    zoo.train_classifier(model, X, y, epochs=5, lr=0.01, callback=monitor)
    trace = monitor.trace
    assert trace.steps == (0, 2, 4)  # epochs recorded: calls 0, 2, 4
    assert trace.layers == tuple(LAYERS) and len(trace) == 3
    assert trace.distances.shape == (3, 3) and np.isnan(trace.distances[0]).all()
    # the last record equals a fresh profile of the trained model
    acts = capture(model, torch.as_tensor(X), layers=LAYERS, progress=False)
    fresh = layer_profile(acts, n_bootstrap=0)
    np.testing.assert_array_equal(trace.profiles[-1].betti, fresh.betti)
    assert trace.profiles[-1].diagrams == fresh.diagrams
    # distances are Wasserstein distances of the scaled diagrams between consecutive records
    p, q = trace.profiles[1], trace.profiles[2]
    for i in range(3):
        a = [np.asarray(d) / p.reference_scale[i] for d in p.diagrams[i]]
        b = [np.asarray(d) / q.reference_scale[i] for d in q.diagrams[i]]
        assert trace.distances[2, i] == pytest.approx(wasserstein(Diagrams(a), Diagrams(b), dim=1))
    assert trace.series("betti", dim=0).shape == (3, 3)
    assert trace.series("intrinsic_dim").shape == (3, 3)


def test_monitor_restores_mode_and_steps(data):
    X, _ = data
    model = _model()
    model.train()
    monitor = TopologyMonitor(model, X, layers="act1")
    assert monitor.step(step=10) is not None
    monitor(step=20)
    assert model.training
    assert monitor.trace.steps == (10, 20)
    assert "2 records" in repr(monitor)


def test_save_load_round_trip(data, tmp_path):
    X, y = data
    model = _model()
    monitor = TopologyMonitor(model, (X, y), layers=LAYERS, per_class=True, keep_activations=True,
                              profile_kwargs={"n_bootstrap": 3})
    for step in range(3):
        zoo.train_classifier(model, X, y, epochs=1, lr=0.01, seed=step)
        monitor(step=step)
    trace = monitor.trace
    assert trace.profiles[0].classes == (0, 1)
    path = trace.save(tmp_path / "trace")
    assert (path / "trace.json").exists() and (path / "step_2" / "0.npz").exists()
    back = TrainingTrace.load(path)
    assert back == trace
    assert back.activations[1] == trace.activations[1]
    np.testing.assert_array_equal(back.series("n_significant", dim=1), trace.series("n_significant", dim=1))


def test_track_checkpoints_state_dicts_and_paths(data, tmp_path):
    X, y = data
    model = _model()
    states, paths = [], []
    for epoch in range(3):
        zoo.train_classifier(model, X, y, epochs=2, lr=0.01, seed=epoch)
        sd = {k: v.clone() for k, v in model.state_dict().items()}
        states.append(sd)
        paths.append(tmp_path / f"ckpt{epoch}.pt")
        torch.save(sd, paths[-1])

    def build():
        return zoo.mlp(2, 8, 2, 2, "relu")

    t1 = track_checkpoints(states, build, X, layers=LAYERS, steps=[2, 4, 6])
    t2 = track_checkpoints(paths, build, X, layers=LAYERS, steps=[2, 4, 6])
    assert t1.steps == (2, 4, 6) and t1 == t2
    # the last checkpoint is the trained model
    acts = capture(model, X, layers=LAYERS, progress=False)
    np.testing.assert_array_equal(t1.profiles[-1].betti, layer_profile(acts, n_bootstrap=0).betti)
    assert np.isfinite(t1.distances[1:]).all()


def test_bad_input(data, tmp_path):
    X, _ = data
    model = _model()
    with pytest.raises(ValueError, match="nothing recorded"):
        TopologyMonitor(model, X).trace  # noqa: B018
    with pytest.raises(ValueError, match="per_class=True needs targets"):
        TopologyMonitor(model, X, layers="act0", per_class=True)()
    with pytest.raises(ValueError, match="every must be >= 1"):
        TopologyMonitor(model, X, every=0)
    with pytest.raises(ValueError, match="metric"):
        TopologyMonitor(model, X, metric="euclidean")
    with pytest.raises(ValueError, match="empty"):
        track_checkpoints([], lambda: model, X)
    with pytest.raises(ValueError, match="one entry per checkpoint"):
        track_checkpoints([model.state_dict()], lambda: model, X, steps=[1, 2])
    with pytest.raises(ValueError, match="1 sample"):
        TopologyMonitor(model, X[:1], layers="act0")()
    with pytest.raises(FileNotFoundError, match="trace.json"):
        TrainingTrace.load(tmp_path)


# -- activation regions over training ----------------------------------------------------------
def test_monitor_records_region_counts_of_every_step(data):
    X, y = data
    model = _model()
    monitor = TopologyMonitor(model, (X, y), layers="act1", regions=True, region_kwargs={"resolution": 32},
                              capture_kwargs={"max_samples": 100})
    states = []

    def callback(m, epoch):
        monitor(m, epoch)
        states.append({k: v.clone() for k, v in m.state_dict().items()})

    zoo.train_classifier(model, X, y, epochs=4, lr=0.05, callback=callback)
    trace = monitor.trace
    assert monitor.regions_active and trace.steps == (0, 1, 2, 3)
    assert trace.region_layers == ("act0", "act1")
    # every record equals a fresh region_counts of that step's weights on the probe inputs (first 100 samples)
    for t, sd in enumerate(states):
        fresh = _model(seed=1)
        fresh.load_state_dict(sd)
        assert trace.regions[t] == region_counts(fresh, X[:100], resolution=32)
    R = trace.series("regions")
    assert R.shape == (4, 2)
    np.testing.assert_array_equal(R[:, 1], [r["patterns"] for r in trace.regions])
    assert (R[:, 0] <= R[:, 1]).all() and (R <= 100).all()  # cumulative, at most one region per sample
    assert (R[:, 0] <= 1 + 8 + 28).all()  # 8 lines cut the plane into at most 1 + 8 + C(8, 2) regions
    assert len(np.unique(R[:, 1])) > 1  # training moves the count
    plane = trace.series("plane_regions")
    assert plane.shape == (4, 1) and (plane >= 1).all()
    assert "region counts" in repr(trace)


def test_region_counts_save_load_and_equality(data, tmp_path):
    X, y = data
    model = _model()
    monitor = TopologyMonitor(model, X, layers="act1", region_kwargs={"resolution": 24})  # regions='auto'
    for step in range(2):
        zoo.train_classifier(model, X, y, epochs=1, lr=0.05, seed=step)
        monitor(step=10 * step)
    trace = monitor.trace
    assert trace.regions is not None and len(trace.regions) == 2
    back = TrainingTrace.load(trace.save(tmp_path / "trace"))
    assert back == trace and back.regions == trace.regions
    np.testing.assert_array_equal(back.series("regions"), trace.series("regions"))
    # region counts take part in equality
    fields = {f: getattr(trace, f) for f in trace.__dataclass_fields__}
    assert TrainingTrace(**{**fields, "regions": None}) != trace
    changed = [dict(r) for r in trace.regions]
    changed[1]["patterns"] += 1
    assert TrainingTrace(**{**fields, "regions": changed}) != trace
    # a trace saved before region counts (no "regions" in trace.json) loads without them
    manifest = tmp_path / "trace" / "trace.json"
    body = json.loads(manifest.read_text())
    del body["regions"]
    manifest.write_text(json.dumps(body))
    old = TrainingTrace.load(tmp_path / "trace")
    assert old.regions is None and old.region_layers == ()
    with pytest.raises(ValueError, match="no region counts"):
        old.series("regions")
    with pytest.raises(ValueError, match="one dict of region counts per step"):
        TrainingTrace(**{**fields, "regions": trace.regions[:1]})


def test_region_counts_auto_off_and_errors_for_tanh(data):
    X, y = data
    torch.manual_seed(0)
    tanh = zoo.mlp(2, 8, 2, 2, "tanh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'auto' skips silently
        monitor = TopologyMonitor(tanh, X, layers="act1")
        monitor()
    assert not monitor.regions_active and monitor.trace.regions is None
    with pytest.raises(ValueError, match=r"regions=True: model: Sequential has no ReLU-type modules"):
        TopologyMonitor(tanh, X, regions=True)
    with pytest.raises(ValueError, match=r"regions=True: model: Sequential has no ReLU-type modules"):
        track_checkpoints([tanh.state_dict()], lambda: zoo.mlp(2, 8, 2, 2, "tanh"), X, layers="act1", regions=True)
    relu = _model()
    with pytest.raises(ValueError, match="regions must be True, False or 'auto'"):
        TopologyMonitor(relu, X, regions="yes")
    with pytest.raises(TypeError, match="regions must be True, False or 'auto'"):
        TopologyMonitor(relu, X, regions=1)
    with pytest.raises(ValueError, match=r"region_kwargs: unknown option\(s\) \['resolutoin'\]"):
        TopologyMonitor(relu, X, region_kwargs={"resolutoin": 8})
    assert not TopologyMonitor(relu, X, regions=False).regions_active


def test_track_checkpoints_region_counts(data):
    X, y = data
    model = _model()
    states = []
    for epoch in range(2):
        zoo.train_classifier(model, X, y, epochs=2, lr=0.05, seed=epoch)
        states.append({k: v.clone() for k, v in model.state_dict().items()})
    trace = track_checkpoints(states, lambda: zoo.mlp(2, 8, 2, 2, "relu"), X, layers="act1", steps=[2, 4],
                              region_kwargs={"plane": None})
    assert trace.regions[-1] == region_counts(model, X, plane=None)
    assert np.isnan(trace.series("plane_regions")).all()
    assert track_checkpoints(states, lambda: zoo.mlp(2, 8, 2, 2, "relu"), X, layers="act1",
                             regions=False).regions is None


def test_region_counts_figures(data):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tda_nn.plotting import plot_region_counts, plot_training

    X, y = data
    model = _model()
    monitor = TopologyMonitor(model, X, layers=["act0", "act1"], region_kwargs={"resolution": 16})
    zoo.train_classifier(model, X, y, epochs=2, lr=0.05, callback=monitor)
    trace = monitor.trace
    fig = plot_training(trace)  # the regions panel is added when the trace has region counts
    assert [ax.get_title() for ax in fig.axes][-1] == "activation regions met by the probe"
    lines = fig.axes[-1].get_lines()
    assert [ln.get_label() for ln in lines] == ["act0", "act1"]
    np.testing.assert_array_equal(lines[1].get_ydata(), trace.series("regions")[:, 1])
    fig2 = plot_region_counts(trace)
    np.testing.assert_array_equal(fig2.axes[0].get_lines()[0].get_xdata(), trace.steps)
    plt.close("all")
    tanh = TopologyMonitor(zoo.mlp(2, 8, 2, 2, "tanh"), X, layers="act1")
    tanh()
    assert len(plot_training(tanh.trace).axes) == 3
    with pytest.raises(ValueError, match="no region counts"):
        plot_region_counts(tanh.trace)
    plt.close("all")
