"""The layer profile (analyze's persistence stage): H0 exact on every sample, H1+ on landmarks."""

import numpy as np
from scipy.cluster.hierarchy import linkage

from tda_nn.diagnostics import layer_profile


def test_h0_exact_on_every_sample_with_landmarks():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5))
    p = layer_profile({"a": X}, maxdim=1, n_landmarks=80, n_bootstrap=0, significance="universal")
    dg = p.diagrams[0]
    assert dg.meta["n_landmarks"] == 80 and len(dg[0]) == 80  # the diagrams: landmarks
    deaths = np.asarray(dg.meta["h0_exact_deaths"])
    assert dg.meta["h0_exact_n_points"] == 600 and len(deaths) == 599
    np.testing.assert_allclose(deaths, np.sort(linkage(X, "single")[:, 2]), rtol=1e-12)
    assert "H0 exact on all 600 samples" in dg.meta["exact"] and "80 max-min landmarks" in dg.meta["exact"]
    # without landmarks everything is exact, and no second H0 is computed
    q = layer_profile({"a": X[:100]}, maxdim=1, n_landmarks=None, n_bootstrap=0, significance="universal")
    assert "h0_exact_deaths" not in q.diagrams[0].meta
    assert q.diagrams[0].meta["exact"] == "H0..H1 exact on all 100 samples"
