"""Neural persistence: hand-computed values, an independent Kruskal, the bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tda_nn.nn.weights import NeuralPersistence, neural_persistence

# Hand-made network: W1 (2 x 2) and W2 (2 x 1); the largest |w| over the network is 8.
W1 = np.array([[1.0, -2.0], [3.0, 4.0]])
W2 = np.array([[-8.0], [2.0]])
# Layer 1, normalised |w| / 8: a0-b0 .125, a0-b1 .25, a1-b0 .375, a1-b1 .5 (4 vertices).
#   Edges by decreasing weight: .5 joins a1,b1 -> pair (1, .5), persistence .5;
#   .375 joins b0 -> .625; .25 joins a0 -> .75; .125 closes a cycle (no pair).
#   Finite: .5^2 + .625^2 + .75^2 = .25 + .390625 + .5625 = 1.203125.
#   essential='one': + 1^2 = 2.203125, NP = sqrt(2.203125) = 1.484293; / sqrt(4 - 1) = 0.856957
#   essential='omit': sqrt(1.203125) = 1.096871;                       / sqrt(3)     = 0.633279
# Layer 2: a0-c 1.0, a1-c .25 (3 vertices): persistences 1 - 1 = 0 and 1 - .25 = .75.
#   essential='one': sqrt(0 + .5625 + 1) = 1.25; / sqrt(2) = 0.883883
#   essential='omit': .75;                       / sqrt(2) = 0.530330
NP1_ONE, NP2_ONE = math.sqrt(2.203125), 1.25
NP1_OMIT, NP2_OMIT = math.sqrt(1.203125), 0.75


class TestHandComputed:
    def test_normalised_authors_convention(self):
        res = neural_persistence([W1, W2])
        np.testing.assert_allclose(res.values, [NP1_ONE / math.sqrt(3), NP2_ONE / math.sqrt(2)], rtol=1e-12)
        np.testing.assert_allclose(res.values, [0.856957, 0.883883], atol=1e-6)
        assert res.mean == pytest.approx((0.856957 + 0.883883) / 2, abs=1e-6)
        assert res.layers == ("0", "1") and res.shapes == ((2, 2), (1, 2))

    def test_raw_and_essential_omitted(self):
        raw = neural_persistence([W1, W2], normalize=False)
        np.testing.assert_allclose(raw.values, [NP1_ONE, NP2_ONE], rtol=1e-12)
        omit = neural_persistence([W1, W2], essential="omit")
        np.testing.assert_allclose(omit.values, [NP1_OMIT / math.sqrt(3), NP2_OMIT / math.sqrt(2)], rtol=1e-12)

    def test_other_norms(self):
        # p = 1: layer 1 (.5 + .625 + .75 + 1) / 3 = 0.958333; layer 2 (0 + .75 + 1) / 2 = 0.875
        np.testing.assert_allclose(neural_persistence([W1, W2], p=1).values, [2.875 / 3, 0.875])
        # p = inf: the largest persistence, the bound is 1
        np.testing.assert_allclose(neural_persistence([W1, W2], p=np.inf, essential="omit").values, [0.75, 0.75])

    def test_invariances(self):
        ref = neural_persistence([W1, W2]).values
        # orientation, global scale and signs do not matter
        np.testing.assert_allclose(neural_persistence([W1.T, -3.0 * W2.T]).values, neural_persistence(
            [W1, -3.0 * W2]).values)
        np.testing.assert_allclose(neural_persistence([5 * W1, 5 * W2]).values, ref)
        np.testing.assert_allclose(neural_persistence({"a": -W1, "b": W2}).values, ref)
        assert neural_persistence({"a": -W1, "b": W2}).as_dict() == pytest.approx({"a": ref[0], "b": ref[1]})

    def test_global_normalisation_matters(self):
        # alone, W1 is normalised by its own max 4, not by 8: a different value
        alone = neural_persistence([W1]).values[0]
        assert alone != pytest.approx(neural_persistence([W1, W2]).values[0])

    def test_essential_one_can_exceed_one_away_from_the_global_max(self):
        # a 1 x 1 layer of weight 0 next to one of weight 1: persistences (1, essential 1)
        res = neural_persistence([np.array([[1.0]]), np.array([[0.0]])])
        np.testing.assert_allclose(res.values, [1.0, math.sqrt(2)])
        assert neural_persistence([np.array([[1.0]]), np.array([[0.0]])], essential="omit").values[1] == 1.0

    def test_repr(self):
        res = neural_persistence([W1, W2])
        assert isinstance(res, NeuralPersistence)
        assert repr(res) == "NeuralPersistence(mean=0.8704, 2 layers, p=2, normalized)"


def _kruskal_persistence(A):
    """Independent reference: union-find over the edges in decreasing weight."""
    a, b = A.shape
    parent = list(range(a + b))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    edges = sorted(((A[i, j], i, a + j) for i in range(a) for j in range(b)), reverse=True)
    pers = []
    for w, u, v in edges:
        ru, rv = find(u), find(v)
        if ru != rv:
            parent[ru] = rv
            pers.append(1.0 - w)
    return np.array(pers)


class TestAgainstKruskal:
    @pytest.mark.parametrize("seed", range(4))
    def test_random_networks(self, seed):
        rng = np.random.default_rng(seed)
        mats = [rng.normal(size=(7, 5)), rng.integers(-3, 4, size=(4, 7)).astype(float), rng.normal(size=(3, 4))]
        w_max = max(np.abs(M).max() for M in mats)
        expected = []
        for M in mats:
            pers = np.append(_kruskal_persistence(np.abs(M) / w_max), 1.0)
            expected.append(np.sqrt(np.sum(pers**2)) / np.sqrt(sum(M.shape) - 1))
        np.testing.assert_allclose(neural_persistence(mats).values, expected, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
               elements=st.floats(-10, 10, allow_nan=False, allow_infinity=False)),
        min_size=1, max_size=4,
    ).filter(lambda ms: max(np.abs(m).max() for m in ms) > 0)
)
def test_normalised_value_bounds(mats):
    # 'omit': n - 1 persistences in [0, 1] -> the normalised value lies in [0, 1]
    omit = neural_persistence(mats, essential="omit").values
    assert np.all((omit >= 0) & (omit <= 1 + 1e-12))
    # 'one': the layer holding the largest weight is in [0, 1]; every layer is within
    # [(n - 1)^(-1/2), (n / (n - 1))^(1/2)]
    one = neural_persistence(mats).values
    n = np.array([sum(m.shape) for m in mats])
    assert np.all(one >= (n - 1) ** -0.5 - 1e-12)
    assert np.all(one <= np.sqrt(n / (n - 1)) + 1e-12)
    top = int(np.argmax([np.abs(m).max() for m in mats]))
    assert one[top] <= 1 + 1e-12


class TestTorchModules:
    def test_linear_layers_match_the_matrices(self):
        torch = pytest.importorskip("torch")
        model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
        with torch.no_grad():
            model[0].weight.copy_(torch.tensor(W1))
            model[2].weight.copy_(torch.tensor(W2.T))
            model[0].bias.fill_(100.0)  # biases are not edges of the bipartite graph
        res = neural_persistence(model)
        assert res.layers == ("0", "2") and res.shapes == ((2, 2), (2, 1))
        np.testing.assert_allclose(res.values, [0.856957, 0.883883], atol=1e-6)

    def test_conv_reads_max_over_kernel(self, small_cnn):
        torch = pytest.importorskip("torch")
        res = neural_persistence(small_cnn)
        mats = []
        for m in small_cnn.modules():
            if isinstance(m, torch.nn.Conv2d):
                mats.append(m.weight.detach().abs().amax(dim=(2, 3)).numpy())
            elif isinstance(m, torch.nn.Linear):
                mats.append(m.weight.detach().numpy())
        np.testing.assert_allclose(res.values, neural_persistence(mats).values, rtol=1e-6)
        assert res.shapes == ((1, 4), (4, 8), (8, 10))
        only_linear = neural_persistence(small_cnn, conv="skip")
        assert only_linear.layers == ("7",)

    def test_grouped_conv_skipped_with_warning(self):
        torch = pytest.importorskip("torch")
        model = torch.nn.Sequential(torch.nn.Conv2d(4, 4, 3, groups=2), torch.nn.Flatten(), torch.nn.Linear(4, 2))
        with pytest.warns(UserWarning, match="grouped convolution"):
            res = neural_persistence(model)
        assert res.layers == ("2",)

    def test_mlp_fixture_in_bounds(self, small_mlp):
        res = neural_persistence(small_mlp)
        assert res.layers == ("0", "2", "4")
        assert np.all((res.values > 0) & (res.values <= 1))

    def test_model_without_linear_layers(self):
        torch = pytest.importorskip("torch")
        with pytest.raises(ValueError, match="model has no nn.Linear or nn.Conv layers"):
            neural_persistence(torch.nn.Sequential(torch.nn.ReLU()))
        conv_only = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3))
        with pytest.raises(ValueError, match="model has no nn.Linear layers"):
            neural_persistence(conv_only, conv="skip")


class TestBadInput:
    def test_errors(self):
        with pytest.raises(ValueError, match="at least one weight matrix"):
            neural_persistence([])
        with pytest.raises(ValueError, match=r"model\[1\] must be a 2-D weight matrix"):
            neural_persistence([W1, np.ones((2, 2, 2))])
        with pytest.raises(ValueError, match="all weights equal to 0"):
            neural_persistence([np.zeros((2, 3))])
        with pytest.raises(ValueError, match="NaN or infinite"):
            neural_persistence([np.array([[np.nan, 1.0]])])
        with pytest.raises(ValueError, match="p must be >= 1"):
            neural_persistence([W1], p=0.5)
        with pytest.raises(ValueError, match="essential must be one of"):
            neural_persistence([W1], essential="half")
        with pytest.raises(TypeError, match="model must be a torch.nn.Module or a list"):
            neural_persistence("weights.pt")
        with pytest.raises(TypeError, match="model must be a torch.nn.Module or a list"):
            neural_persistence(3.0)
