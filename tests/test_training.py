"""TopologyMonitor, track_checkpoints and TrainingTrace storage."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tda_nn import zoo  # noqa: E402
from tda_nn.capture import capture  # noqa: E402
from tda_nn.datasets import circles  # noqa: E402
from tda_nn.diagnostics.layers import layer_profile  # noqa: E402
from tda_nn.diagnostics.training import TopologyMonitor, TrainingTrace, track_checkpoints  # noqa: E402
from tda_nn.diagrams import Diagrams  # noqa: E402
from tda_nn.distances import wasserstein  # noqa: E402

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
