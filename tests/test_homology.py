"""Persistent homology: known answers, agreement between engines, invariances, bad input."""

from __future__ import annotations

import gudhi
import numpy as np
import pytest
from conftest import circle, fibonacci_sphere

import tda_nn
from tda_nn.homology import MemoryBudgetError

ENGINES = ["ripser", "giotto-ph", "gudhi"]


@pytest.fixture(params=ENGINES)
def backend(request):
    if request.param == "giotto-ph":
        pytest.importorskip("gph")
    return request.param


def dominant(dgm: np.ndarray, ratio: float = 3.0, floor: float = 0.05) -> int:
    """Number of finite bars much longer than the rest (lifetime > ratio x the next
    one); the data here have unit scale, so bars below ``floor`` count as noise."""
    life = np.sort(dgm[:, 1] - dgm[:, 0])[::-1]
    life = np.append(life[np.isfinite(life)], floor)
    gaps = life[:-1] / np.maximum(life[1:], 1e-12)
    big = np.flatnonzero(gaps > ratio)
    return int(big[0] + 1) if len(big) else 0


def same_diagrams(a, b, tol=1e-9):
    assert len(a) == len(b)
    for da, db in zip(a, b):
        ea, eb = da[~np.isfinite(da[:, 1])], db[~np.isfinite(db[:, 1])]
        np.testing.assert_allclose(np.sort(ea[:, 0]), np.sort(eb[:, 0]), atol=tol)
        fa, fb = da[np.isfinite(da[:, 1])], db[np.isfinite(db[:, 1])]
        assert gudhi.bottleneck_distance(fa, fb) <= tol


class TestKnownAnswers:
    @pytest.mark.parametrize("n", [6, 7, 10, 12, 25])
    def test_even_circle_has_one_bar_with_known_birth_and_death(self, n, backend):
        dgms = tda_nn.persistence(circle(n), maxdim=1, backend=backend)
        assert dgms[1].shape == (1, 2)
        # Adamaszek-Adams: VR of n evenly spaced points is a circle while the
        # connected steps k satisfy k / n < 1/3; H1 dies at the chord of ceil(n/3) steps.
        birth, death = dgms[1][0]
        assert birth == pytest.approx(2 * np.sin(np.pi / n), abs=1e-6)
        assert death == pytest.approx(2 * np.sin(np.pi * np.ceil(n / 3) / n), abs=1e-6)
        # H0: n - 1 finite bars born at 0 dying at the side length, and one essential
        assert len(dgms[0]) == n and np.isinf(dgms[0][:, 1]).sum() == 1
        np.testing.assert_allclose(dgms[0][np.isfinite(dgms[0][:, 1]), 1], 2 * np.sin(np.pi / n), atol=1e-6)

    def test_noisy_circle_has_one_dominant_bar(self, noisy_circle, backend):
        dgms = tda_nn.persistence(noisy_circle, maxdim=1, backend=backend)
        assert dominant(dgms[1]) == 1
        assert dgms.lifetimes(1).max() > 1.0

    def test_two_circles_and_figure_eight(self, backend):
        two = np.vstack([circle(40, noise=0.02, seed=1), circle(40, noise=0.02, seed=2, center=(5, 0))])
        dgms = tda_nn.persistence(two, maxdim=1, backend=backend)
        assert dominant(dgms[1]) == 2
        assert dgms.betti_numbers(at=1.0).tolist() == [2, 2]
        eight = np.vstack([circle(40, center=(-1, 0)), circle(40, center=(1, 0))[1:]])
        assert dominant(tda_nn.persistence(eight, maxdim=1, backend=backend)[1]) == 2

    def test_sphere_has_one_h2_bar(self, backend):
        dgms = tda_nn.persistence(fibonacci_sphere(60), maxdim=2, backend=backend)
        assert dominant(dgms[2]) == 1
        assert dgms.lifetimes(1).max() < 0.3 * dgms.lifetimes(2).max()  # no loop survives

    def test_torus_has_two_h1_bars_and_one_h2_bar(self):
        # the flat (Clifford) torus in R^4, on a 14 x 14 grid
        u, v = np.meshgrid(np.linspace(0, 2 * np.pi, 14, endpoint=False), np.linspace(0, 2 * np.pi, 14, endpoint=False))
        X = np.column_stack([np.cos(u.ravel()), np.sin(u.ravel()), np.cos(v.ravel()), np.sin(v.ravel())])
        dgms = tda_nn.persistence(X, maxdim=2)
        assert dominant(dgms[1]) == 2
        assert dominant(dgms[2]) == 1
        # the flat torus reaches its diameter (every point has an antipode): no collapse (homology/_choice.py)
        assert dgms.meta["collapse_edges"] is False

    def test_coefficients_see_the_projective_plane(self):
        # RP^2 = the sphere modulo antipodes: H1 is Z/2 (a bar over Z/2, none over Z/3)
        S = fibonacci_sphere(150)
        D = np.sqrt(np.maximum(0, np.minimum(((S[:, None] - S[None]) ** 2).sum(-1), ((S[:, None] + S[None]) ** 2).sum(-1))))
        z2 = tda_nn.persistence(D, metric="precomputed", maxdim=1, coeff=2)
        z3 = tda_nn.persistence(D, metric="precomputed", maxdim=1, coeff=3)
        assert z2.lifetimes(1).max() > 0.5
        assert z3.lifetimes(1).max() < 0.3

    def test_cubical_counts_components_and_holes(self):
        img = np.ones((12, 12))
        img[1:5, 1:5] = 0  # a filled square: one component
        img[6:11, 6:11] = 0
        img[8, 8] = 1  # an annulus: a component with one hole
        dgms = tda_nn.persistence(img, complex="cubical", maxdim=1)
        assert dgms.betti_numbers(at=0.0).tolist() == [2, 1]
        assert dgms[0].shape[0] == 2 and dgms[1].tolist() == [[0.0, 1.0]]

    def test_alpha_shares_the_rips_length_scale(self):
        dgms = tda_nn.persistence(circle(12), complex="alpha")
        bar = dgms[1][np.argmax(dgms.lifetimes(1))]
        # born at the side length (like Rips), dies at the circle's diameter 2 = 2 * sqrt(alpha=1)
        assert bar == pytest.approx([2 * np.sin(np.pi / 12), 2.0], abs=1e-9)
        assert "2 * sqrt" in dgms.meta["scale"]

    def test_witness_complex_sees_the_circle(self, noisy_circle):
        dgms = tda_nn.persistence(noisy_circle, complex="witness", n_landmarks=30)
        assert dominant(dgms[1]) == 1
        assert dgms.meta["n_landmarks"] == 30
        # the flag complex of the witness edges is reduced by the chosen Rips engine: all agree
        for b in ("ripser", "gudhi"):
            other = tda_nn.persistence(noisy_circle, complex="witness", n_landmarks=30, backend=b)
            assert other.meta["backend"] == f"lazy witness + {b}"
            same_diagrams(dgms, other)


class TestEnginesAgree:
    @pytest.mark.parametrize("seed", [0, 1])
    def test_all_engines_give_the_same_diagram(self, seed):
        X = np.random.default_rng(seed).normal(size=(60, 4))
        ref = tda_nn.persistence(X, maxdim=2, backend="ripser")
        for b in ("giotto-ph", "gudhi"):
            same_diagrams(ref, tda_nn.persistence(X, maxdim=2, backend=b), tol=1e-9)

    def test_threshold_and_collapse_agree(self, backend):
        X = np.random.default_rng(2).normal(size=(50, 3))
        ref = tda_nn.persistence(X, maxdim=2, threshold=1.5, backend="ripser", collapse_edges=False)
        got = tda_nn.persistence(X, maxdim=2, threshold=1.5, backend=backend, collapse_edges=True)
        same_diagrams(ref, got)
        assert np.isinf(got[0][:, 1]).sum() >= 1

    def test_auto_prefers_giotto_ph(self):
        pytest.importorskip("gph")
        assert tda_nn.persistence(circle(10)).meta["backend"] == "giotto-ph"

    def test_sparse_rips_is_labelled_an_approximation(self, noisy_circle):
        dgms = tda_nn.persistence(noisy_circle, sparse=0.3)
        assert dgms.meta["backend"] == "gudhi" and "approximat" in dgms.meta["approximation"]
        assert dominant(dgms[1]) == 1


class TestInvariance:
    def test_rotation_translation_permutation(self, backend):
        rng = np.random.default_rng(5)
        X = rng.normal(size=(40, 3))
        Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        Y = (X @ Q + [3.0, -1.0, 2.0])[rng.permutation(40)]
        a = tda_nn.persistence(X, maxdim=2, backend=backend)
        b = tda_nn.persistence(Y, maxdim=2, backend=backend)
        same_diagrams(a, b, tol=1e-5)

    def test_distance_matrix_equals_points(self, backend):
        X = np.random.default_rng(6).normal(size=(40, 5))
        D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
        same_diagrams(tda_nn.persistence(X, backend=backend), tda_nn.persistence(D, metric="precomputed", backend=backend), tol=1e-6)

    def test_sparse_and_infinite_entries_mean_no_edge(self):
        import scipy.sparse as sp

        D = np.array([[0, 1, np.inf], [1, 0, 2], [np.inf, 2, 0.0]])
        for M in (D, sp.coo_matrix(np.where(np.isinf(D), 0, D))):
            for b in ENGINES:
                d = tda_nn.persistence(M, metric="precomputed", backend=b)
                assert sorted(d[0][:, 1].tolist()) == [1.0, 2.0, np.inf]

    def test_torch_tensors_are_accepted(self):
        torch = pytest.importorskip("torch")
        X = circle(12)
        same_diagrams(tda_nn.persistence(X), tda_nn.persistence(torch.tensor(X, dtype=torch.float64)))


class TestBatchAndGuard:
    def test_batch_matches_serial_and_keeps_order(self):
        clouds = [circle(8 + i, noise=0.01, seed=i) for i in range(5)]
        serial = [tda_nn.persistence(c) for c in clouds]
        batch = tda_nn.persistence_batch(clouds, n_jobs=2)
        assert [d.meta["sample"] for d in batch] == list(range(5))
        for s, b in zip(serial, batch):
            same_diagrams(s, b)

    def test_memory_guard_refuses_and_says_how_much(self):
        X = np.zeros((3000, 2))
        X[:, 0] = np.arange(3000)
        with pytest.raises(MemoryBudgetError, match=r"394\.8 MiB.*maxdim=0.*n_landmarks"):
            tda_nn.persistence(X, max_memory=10_000_000)
        with pytest.raises(MemoryError, match=r"4.5e\+09 triangles"):
            tda_nn.persistence(X, maxdim=2, collapse_edges=False, max_memory="1GiB")  # ~4.5e9 triangles

    def test_auto_landmarks_when_too_large(self):
        pytest.importorskip("tda_nn.clouds")
        X = circle(400, noise=0.02)
        with pytest.warns(UserWarning, match="landmarks"):
            dgms = tda_nn.persistence(X, n_landmarks="auto", max_memory=8 * 150**2)
        assert dgms.meta["n_landmarks"] <= 150
        assert dgms.meta["bottleneck_bound"] == pytest.approx(2 * dgms.meta["covering_radius"])
        assert dominant(dgms[1]) == 1


class TestBadInput:
    @pytest.mark.parametrize(
        "X, kwargs, err, match",
        [
            (np.array([[0.0, np.nan], [1.0, 2.0]]), {}, ValueError, "NaN"),
            (np.array([[0.0, np.inf], [1.0, 2.0]]), {}, ValueError, "infinite"),
            (np.empty((0, 3)), {}, ValueError, "at least 2 points"),
            (np.zeros((1, 3)), {}, ValueError, "at least 2 points"),
            (np.zeros(5), {}, ValueError, "2-D"),
            ("abc", {}, TypeError, "array-like"),
            (np.zeros((3, 4)), {"metric": "precomputed"}, ValueError, r"square.*\(3, 4\)"),
            (np.array([[0, 1.0], [2.0, 0]]), {"metric": "precomputed"}, ValueError, "symmetric"),
            (np.array([[0, -1.0], [-1.0, 0]]), {"metric": "precomputed"}, ValueError, "negative"),
            (np.zeros((4, 2)), {"maxdim": -1}, ValueError, "maxdim"),
            (np.zeros((4, 2)), {"coeff": 4}, ValueError, "coeff.*prime"),
            (np.zeros((4, 2)), {"backend": "ripsr"}, ValueError, "backend.*'ripser'"),
            (np.zeros((4, 2)), {"complex": "alpha", "backend": "ripser"}, ValueError, "cannot compute"),
            (np.zeros((4, 2)), {"n_landmarks": 10}, ValueError, "n_landmarks"),
        ],
    )
    def test_clear_errors(self, X, kwargs, err, match):
        with pytest.raises(err, match=match):
            tda_nn.persistence(X, **kwargs)

    def test_missing_optional_engine_names_the_extra(self, monkeypatch):
        import tda_nn.homology._api as api

        monkeypatch.setattr(api, "has_module", lambda name: False)
        with pytest.raises(ImportError, match=r"tda_nn\[fast\]"):
            tda_nn.persistence(circle(5), backend="giotto-ph")
        assert tda_nn.persistence(circle(5)).meta["backend"] == "ripser"


def test_lazy_witness_edges_match_the_definition():
    """Edge ab enters at max(0, min_w max(d(w,a), d(w,b)) - m_2(w)), checked by brute force."""
    from tda_nn.homology._witness import lazy_witness_matrix

    rng = np.random.default_rng(3)
    W, L = rng.normal(size=(40, 3)), rng.normal(size=(7, 3))
    D = np.linalg.norm(W[:, None] - L[None], axis=2)
    m2 = np.sort(D, axis=1)[:, 1]
    E = lazy_witness_matrix(W, L, nu=2)
    for a in range(7):
        for b in range(7):
            want = 0.0 if a == b else max(0.0, min(max(D[w, a], D[w, b]) - m2[w] for w in range(40)))
            assert E[a, b] == pytest.approx(want, abs=1e-12)
    # nu=0, every point a landmark: a witness between a and b lets the edge in before its length;
    # with only a and b as witnesses it enters exactly at its length
    P = rng.normal(size=(9, 2))
    E0 = lazy_witness_matrix(P, P, nu=0)
    assert (E0 <= np.linalg.norm(P[:, None] - P[None], axis=2) + 1e-12).all()
    two = lazy_witness_matrix(P[:2], P[:2], nu=0)
    assert two[0, 1] == pytest.approx(np.linalg.norm(P[0] - P[1]))


class TestPrecision:
    """Issue 14: translation invariance, ranges, near-duplicates, tiny bars, bounds, complex input."""

    @pytest.mark.parametrize("b", ["auto", *ENGINES])
    def test_circle_translated_by_1e8_keeps_its_loop(self, b):
        if b == "giotto-ph":
            pytest.importorskip("gph")
        X = circle(20)
        ref = tda_nn.persistence(X, backend=b)
        moved = tda_nn.persistence(X + 1e8, backend=b)
        assert len(moved[1]) == 1
        same_diagrams(ref, moved, tol=1e-5)

    def test_translation_invariance_property(self):
        from hypothesis import given, settings
        from hypothesis import strategies as st

        X = circle(16, noise=0.05, seed=3)
        refs = {b: tda_nn.persistence(X, backend=b) for b in ENGINES}

        @settings(max_examples=15, deadline=None)
        @given(exp=st.integers(0, 8), sign=st.sampled_from([-1.0, 1.0]), direction=st.floats(0, 2 * np.pi),
               b=st.sampled_from(ENGINES))
        def check(exp, sign, direction, b):
            offset = sign * 10.0**exp * np.array([np.cos(direction), np.sin(direction)])
            same_diagrams(refs[b], tda_nn.persistence(X + offset, backend=b), tol=2e-5)

        check()

    def test_engines_agree_on_near_duplicates_property(self):
        from hypothesis import given, settings
        from hypothesis import strategies as st

        @settings(max_examples=12, deadline=None)
        @given(seed=st.integers(0, 10**6), exp=st.integers(3, 14), k=st.integers(1, 5))
        def check(seed, exp, k):
            rng = np.random.default_rng(seed)
            X = rng.normal(size=(25, 3))
            X = np.vstack([X, X[:k] + 10.0**-exp * rng.normal(size=(k, 3))])  # k near-duplicates
            ds = [tda_nn.persistence(X, maxdim=1, backend=b) for b in ENGINES]
            for d in ds[1:]:
                assert [len(a) for a in d] == [len(a) for a in ds[0]]
                same_diagrams(ds[0], d, tol=1e-5)

        check()

    def test_three_points_1e9_apart_inside_a_cloud_count_once_in_every_engine(self):
        X = np.vstack([np.random.default_rng(0).normal(size=(20, 2)), [[1, 1], [1 + 1e-9, 1], [1, 1 + 1e-9]]])
        counts = {b: len(tda_nn.persistence(X, backend=b)[0]) for b in ENGINES}
        assert set(counts.values()) == {21}, counts
        # alone, 1e-9 is their whole extent: every engine keeps the two bars of length 1e-9
        alone = [tda_nn.persistence(X[-3:], backend=b)[0] for b in ENGINES]
        for d in alone:
            assert len(d) == 3 and np.isfinite(d[:, 1]).sum() == 2
            np.testing.assert_allclose(d[np.isfinite(d[:, 1]), 1], 1e-9, rtol=1e-6)

    def test_alpha_drops_rounding_bars_on_a_regular_polygon(self):
        dgms = tda_nn.persistence(circle(200), complex="alpha")
        assert len(dgms[1]) == 1
        assert dgms[1][0] == pytest.approx([2 * np.sin(np.pi / 200), 2.0], abs=1e-9)
        assert dgms.meta["min_bar_length"] == pytest.approx(1e-6 * 2.0, rel=1e-6)

    @pytest.mark.parametrize(
        "X, kwargs, match",
        [
            (circle(10) * 1e200, {}, r"1e\+200.*float32.*Rescale"),
            (circle(10) * 1e38, {}, "float32"),
            (circle(10) * 1e-40, {}, "resolution"),
            (circle(10) * 1e200, {"complex": "alpha"}, "Rescale"),
            (np.array([[0, 1e39], [1e39, 0]]), {"metric": "precomputed"}, "float32"),
        ],
    )
    def test_values_beyond_float32_are_refused(self, X, kwargs, match):
        with pytest.raises(ValueError, match=match):
            tda_nn.persistence(X, **kwargs)

    def test_maxdim_is_bounded(self):
        P = np.random.default_rng(0).normal(size=(300, 3))
        with pytest.raises(ValueError, match=r"maxdim=1000000 needs at least .* got 300.*maxdim <= 298"):
            tda_nn.persistence(P, maxdim=10**6)
        with pytest.raises(ValueError, match=r"64-bit simplex index.*maxdim <= \d"):
            tda_nn.persistence(P, maxdim=200)
        with pytest.raises(ValueError, match="maxdim=3 is above the dimension"):
            tda_nn.persistence(np.zeros((5, 5)), complex="cubical", maxdim=3)
        with pytest.raises(ValueError, match="landmarks"):
            tda_nn.persistence(P, maxdim=20, n_landmarks=10)

    def test_n_threads_is_capped_at_the_cpu_count(self, monkeypatch):
        import os

        import tda_nn.homology._api as api

        seen = {}
        real = api._engine

        def spy(**kw):
            seen["n_threads"] = kw["n_threads"]
            return real(**kw)

        monkeypatch.setattr(api, "_engine", spy)
        tda_nn.persistence(circle(10), n_threads=10**6)
        assert seen["n_threads"] == os.cpu_count()

    @pytest.mark.parametrize("kwargs", [{}, {"metric": "precomputed"}, {"complex": "cubical"}, {"complex": "alpha"}])
    def test_complex_dtypes_are_refused_by_name(self, kwargs):
        X = np.eye(4, dtype=np.complex128)
        with pytest.raises(TypeError, match="complex dtype"):
            tda_nn.persistence(X, **kwargs)
        with pytest.raises(TypeError, match="complex"):
            tda_nn.persistence([[1 + 1j, 0], [0, 1], [1, 1]])

    def test_complex_tensor_is_refused(self):
        torch = pytest.importorskip("torch")
        with pytest.raises(TypeError, match="complex"):
            tda_nn.persistence(torch.zeros(5, 2, dtype=torch.complex64))


class TestAutoCollapse:
    """The measured rule of homology/_choice.py on the cases it was measured on (shapes only, no timing)."""

    def test_rule(self):
        from tda_nn.homology._choice import choose_collapse

        rng = np.random.default_rng(0)
        plane = rng.uniform(size=(1000, 2))
        S = rng.normal(size=(500, 3))
        sphere = S / np.linalg.norm(S, axis=1, keepdims=True) + 0.05 * rng.normal(size=(500, 3))
        gauss = rng.normal(size=(300, 4))
        kw = dict(threshold=np.inf, precomputed=False, metric="euclidean")
        assert choose_collapse(plane, maxdim=2, **kw) is True  # measured 6.3 s against 13.2 s
        assert choose_collapse(sphere, maxdim=2, **kw) is False  # issue 13: 212 s against 40.5 s
        assert choose_collapse(gauss, maxdim=2, **kw) is True  # cpu 0.31 s against 0.60 s
        assert choose_collapse(plane, maxdim=1, **kw) is False  # dragon2000: 69 s against 4.5 s
        assert choose_collapse(gauss[:50], maxdim=3, **kw) is True  # o3_1024: 1.1 s against 7.1 s
        D = np.sqrt(((sphere[:, None] - sphere[None]) ** 2).sum(-1))
        assert choose_collapse(D, maxdim=2, threshold=np.inf, precomputed=True, metric="precomputed") is False
        # a threshold well below the diameter makes collapse pay again, even on the sphere
        assert choose_collapse(D, maxdim=2, threshold=1.0, precomputed=True, metric="precomputed") is True

    def test_memory_does_not_force_collapse_in_giotto(self):
        pytest.importorskip("gph")
        S = np.random.default_rng(1).normal(size=(90, 3))
        X = S / np.linalg.norm(S, axis=1, keepdims=True)  # a sphere: the rule alone says no collapse
        ref = tda_nn.persistence(X, maxdim=2)
        assert ref.meta["collapse_edges"] is False
        # giotto-ph's measured peaks with and without collapse are both about 60 bytes per pair
        # (tda_nn/budgets.py): 90 points fit 1 MiB either way, so the rule's choice stands
        d = tda_nn.persistence(X, maxdim=2, max_memory=2**20)
        same_diagrams(ref, d)
        assert d.meta["collapse_edges"] is False
        with pytest.raises(MemoryError):
            tda_nn.persistence(X, maxdim=2, max_memory=2**18)


def test_benchmark_runner_help_and_unknown_names():
    """``python benchmarks/run.py --help`` prints help (it used to be taken as a benchmark name)."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    ok = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "usage:" in ok.stdout and "homology" in ok.stdout
    bad = subprocess.run([sys.executable, str(script), "homolgy"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unknown benchmark(s) 'homolgy'" in bad.stderr


def test_batch_errors_name_the_cloud_that_failed():
    good = circle(8)
    with pytest.raises(ValueError, match=r"^clouds\[1\]: X contains 1 NaN"):
        tda_nn.persistence_batch([good, np.array([[0.0, np.nan], [1.0, 1.0]])])
    with pytest.raises(TypeError, match=r"^clouds\[2\]: X has a complex dtype"):
        tda_nn.persistence_batch([good, good, good.astype(complex)])
    with pytest.raises(MemoryBudgetError, match=r"^clouds\[1\]: this computation"):
        tda_nn.persistence_batch([good, np.random.default_rng(0).normal(size=(500, 2))], max_memory=10_000)


def test_giotto_short_path_is_identical_to_ripser_parallel():
    gph = pytest.importorskip("gph")
    from tda_nn.homology._giotto import rips_giotto

    rng = np.random.default_rng(0)
    for _ in range(40):
        n = int(rng.integers(3, 120))
        X = rng.normal(size=(n, int(rng.integers(1, 12)))) * rng.uniform(0.01, 100)
        maxdim = 2 if n < 50 else 1
        ours = rips_giotto(X, maxdim=maxdim, threshold=np.inf, coeff=2, precomputed=False, metric="euclidean",
                           collapse_edges=False, n_threads=1)
        ref = gph.ripser_parallel(X, maxdim=maxdim, n_threads=1)["dgms"]
        for a, b in zip(ours, ref):
            np.testing.assert_array_equal(a, b)


class TestIssue26Homology:
    def test_huge_coefficient_refused_at_once(self):
        import time

        X = np.random.default_rng(0).normal(size=(20, 2))
        t0 = time.perf_counter()
        with pytest.raises(ValueError, match="coeff.*46337"):
            tda_nn.persistence(X, coeff=2**61 - 1)
        assert time.perf_counter() - t0 < 1.0
        with pytest.raises(ValueError, match="coeff=131.*ripser.*127"):
            tda_nn.persistence(X, coeff=131, backend="ripser")  # ripser.py 0.6 hangs from 131
        with pytest.raises(ValueError, match="prime"):
            tda_nn.persistence(X, coeff=561)  # a Carmichael number

    def test_large_fields_go_to_an_engine_that_has_them(self):
        t = 2 * np.pi * np.arange(12) / 12
        X = np.c_[np.cos(t), np.sin(t)]
        assert tda_nn.persistence(X, coeff=131).meta["backend"] == "giotto-ph"
        d = tda_nn.persistence(X, coeff=257)
        assert d.meta["backend"] == "gudhi" and len(d[1]) == 1

    def test_alpha_in_high_dimension_refused_before_gudhi_starts(self):
        import time

        X = np.random.default_rng(0).normal(size=(30, 40))
        t0 = time.perf_counter()
        with pytest.raises(ValueError, match="complex='alpha'.*29 dimensions.*complex='rips'"):
            tda_nn.persistence(X, complex="alpha")
        assert time.perf_counter() - t0 < 2.0

    def test_huge_declared_dimension_refused_before_allocating(self):
        from tda_nn.diagrams_convert import as_diagrams

        with pytest.raises(ValueError, match="dimension 1000000000"):
            tda_nn.Diagrams.from_gudhi([(10**9, (0.0, 0.5))])
        with pytest.raises(ValueError, match="dimension 1000000000"):
            as_diagrams([(10**9, (0.0, 0.5))])
        with pytest.raises(ValueError, match="dimension 1000000000"):
            tda_nn.Diagrams.from_giotto(np.array([[0.0, 1.0, 1e9]]))

    @pytest.mark.parametrize("kw, exc", [
        ({"landmark_method": "foo"}, ValueError), ({"seed": "x"}, TypeError), ({"n_landmarks": "x"}, ValueError),
        ({"exact_below": -1.0}, ValueError), ({"periodic": "yes"}, TypeError),
    ])
    def test_unused_parameters_are_still_checked(self, kw, exc):
        X = np.random.default_rng(0).normal(size=(20, 2))
        with pytest.raises(exc, match=next(iter(kw))):
            tda_nn.persistence(X, **kw)
