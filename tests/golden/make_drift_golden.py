#!/usr/bin/python3
"""Writes tests/golden/drift.json: scipy reference values for the C++ BATCH two-sample drift
tests (include/ecgad/drift/{ks,cramer_von_mises,wasserstein,jensen_shannon,chi_square}.hpp):
ks_2samp, kstwo.sf, cramervonmises_2samp, wasserstein_distance, spatial.distance.jensenshannon
and chi2_contingency. (The streaming detectors' golden is make_drift_stream_golden.py.)

Run with Debian's scipy: /usr/bin/python3 tests/golden/make_drift_golden.py
The output is committed so the C++ tests need no Python. Deterministic (fixed seeds).
"""
import json
import pathlib

import numpy as np
import scipy
from scipy import spatial, stats

OUT = pathlib.Path(__file__).with_name("drift.json")
rng = np.random.default_rng(20261127)


def sample(kind, n, shift=0.0):
    """Seeded samples: continuous, heavily tied (rounded), or a few integer levels."""
    if kind == "normal":
        return rng.standard_normal(n) + shift
    if kind == "tied":
        return np.round(rng.standard_normal(n) + shift, 1)
    if kind == "levels":
        return rng.integers(0, 5, n).astype(float) + np.round(shift)
    raise ValueError(kind)


def num(x):
    """A float for JSON; NaN (scipy's "undefined") as null."""
    return None if np.isnan(x) else float(x)


def ks_results(a, b, methods):
    out = []
    for alternative in ("two-sided", "less", "greater"):
        for method in methods:
            r = stats.ks_2samp(a, b, alternative=alternative, method=method)
            out.append({"alternative": alternative, "method": method,
                        "statistic": float(r.statistic), "p_value": num(r.pvalue),
                        "location": float(r.statistic_location),
                        "sign": int(r.statistic_sign)})
    return out


def ks_cases():
    cases = []
    sizes = [(1, 1), (1, 5), (3, 3), (5, 7), (8, 8), (10, 15), (20, 20), (25, 40), (50, 50),
             (60, 90), (100, 37), (200, 200), (300, 450), (500, 499), (1000, 1000), (1200, 800)]
    for n1, n2 in sizes:
        for kind in ("normal", "tied", "levels"):
            for shift in (0.0, 0.5):
                a = sample(kind, n1)
                b = sample(kind, n2, shift)
                cases.append({"name": f"{kind}_{n1}x{n2}_s{shift}", "reference": a.tolist(),
                              "current": b.tolist(),
                              "results": ks_results(a, b, ("auto", "asymp"))})
    # Beyond MAX_AUTO_N: 'auto' switches to the asymptotic distribution.
    for n1, n2, shift in ((12000, 300, 0.0), (12000, 300, 0.3), (10001, 10, 0.0)):
        a = np.round(rng.standard_normal(n1), 2)
        b = np.round(rng.standard_normal(n2) + shift, 2)
        cases.append({"name": f"large_{n1}x{n2}_s{shift}", "reference": a.tolist(),
                      "current": b.tolist(), "results": ks_results(a, b, ("auto",))})
    return cases


def kstwo_cases():
    """kstwo.sf(x, n) over every branch of Simard & L'Ecuyer's selection."""
    cases = []
    for n in (1, 2, 5, 10, 50, 140, 141, 500, 5000, 100000, 100001, 1000000):
        for x in np.concatenate([np.array([0.3 / n, 0.7 / n, 1.0 / n, 1.5 / n]),
                                 np.array([0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.6,
                                           0.9, 0.99]),
                                 np.array([0.3, 0.8, 1.2, 1.6, 2.0, 3.0]) / np.sqrt(n)]):
            if 0.0 < x < 1.0:
                cases.append({"n": n, "x": float(x), "sf": float(stats.kstwo.sf(x, n))})
    return cases


def cvm_cases():
    """cramervonmises_2samp, exact (both sizes <= 20) and asymptotic, with and without ties."""
    cases = []
    sizes = [(2, 2), (2, 5), (4, 6), (7, 7), (10, 13), (15, 20), (20, 20), (21, 30), (50, 80),
             (200, 150), (1000, 700)]
    for n1, n2 in sizes:
        for kind in ("normal", "tied"):
            for shift in (0.0, 0.7):
                a = sample(kind, n1)
                b = sample(kind, n2, shift)
                results = []
                methods = ("auto", "asymptotic") if max(n1, n2) <= 20 else ("auto",)
                for method in methods:
                    r = stats.cramervonmises_2samp(a, b, method=method)
                    results.append({"method": method, "statistic": float(r.statistic),
                                    "p_value": float(r.pvalue)})
                cases.append({"name": f"{kind}_{n1}x{n2}_s{shift}", "reference": a.tolist(),
                              "current": b.tolist(), "results": results})
    return cases


def quantile_edges(reference, bins):
    """Reference-quantile interior edges, equal edges merged (drift/psi.hpp)."""
    edges = np.quantile(reference, np.arange(1, bins) / bins)
    return np.unique(edges)


def binned_cases():
    """PSI (numpy formula), chi2_contingency and jensenshannon on the bins the C++ uses."""
    cases = []
    for n1, n2 in ((30, 30), (200, 150), (1500, 400)):
        for kind in ("normal", "tied", "levels"):
            for shift in (0.0, 0.4, 1.5):
                a = sample(kind, n1)
                b = sample(kind, n2, shift) * (1.0 + 0.3 * (shift > 1.0))
                per_bins = []
                for bins in (2, 5, 10):
                    edges = quantile_edges(a, bins)
                    ra = np.bincount(np.searchsorted(edges, a, side="right"),
                                     minlength=edges.size + 1).astype(float)
                    rb = np.bincount(np.searchsorted(edges, b, side="right"),
                                     minlength=edges.size + 1).astype(float)
                    eps = 1e-4
                    p = np.maximum(ra / a.size, eps)
                    q = np.maximum(rb / b.size, eps)
                    psi = float(np.sum((q - p) * np.log(q / p)))
                    keep = (ra + rb) > 0
                    chi = None
                    if keep.sum() >= 2:
                        r = stats.chi2_contingency(np.vstack([ra[keep], rb[keep]]))
                        chi = {"statistic": float(r[0]), "p_value": float(r[1]), "dof": int(r[2])}
                    js_edges = np.histogram_bin_edges(np.concatenate([a, b]), bins)
                    ha = np.histogram(a, js_edges)[0].astype(float)
                    hb = np.histogram(b, js_edges)[0].astype(float)
                    per_bins.append({
                        "bins": bins, "edges": edges.tolist(),
                        "reference_counts": ra.tolist(), "current_counts": rb.tolist(),
                        "psi": psi, "chi2": chi,
                        "js_edges": js_edges.tolist(), "js_reference_counts": ha.tolist(),
                        "js_current_counts": hb.tolist(),
                        "js_base2": float(spatial.distance.jensenshannon(ha, hb, base=2)),
                        "js_base_e": float(spatial.distance.jensenshannon(ha, hb)),
                    })
                sd = np.std(a)
                cases.append({
                    "name": f"{kind}_{n1}x{n2}_s{shift}", "reference": a.tolist(),
                    "current": b.tolist(), "per_bins": per_bins,
                    "wasserstein": float(stats.wasserstein_distance(a, b)),
                    "wasserstein_normalized":
                        float(stats.wasserstein_distance(a, b) / sd) if sd > 0 else None,
                })
    return cases


def chi2_sf_cases():
    return [{"x": float(x), "dof": dof, "sf": float(stats.chi2.sf(x, dof))}
            for dof in (1, 2, 3, 4, 9, 10, 49, 100)
            for x in (1e-3, 0.1, 0.5, 1.0, 2.0, 5.0, 9.0, 20.0, 50.0, 100.0, 300.0, 1000.0)]


def mmd_cases():
    """Unbiased MMD^2 with the median-heuristic RBF kernel, by a direct numpy formula."""
    cases = []
    for m, n, d, shift in ((5, 7, 1, 0.0), (20, 20, 3, 0.0), (30, 25, 2, 1.0), (60, 40, 5, 0.3)):
        x = rng.standard_normal((m, d))
        y = rng.standard_normal((n, d)) + shift
        z = np.vstack([x, y])
        dist = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(-1))
        iu = np.triu_indices(m + n, 1)
        sigma = float(np.median(dist[iu]))
        k = np.exp(-dist ** 2 / (2 * sigma ** 2))
        kxx, kyy, kxy = k[:m, :m], k[m:, m:], k[:m, m:]
        mmd2 = ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) +
                (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean())
        cases.append({"reference": x.tolist(), "current": y.tolist(), "bandwidth": sigma,
                      "statistic": float(mmd2)})
    return cases


golden = {
    "generator": "tests/golden/make_drift_golden.py",
    "scipy_version": scipy.__version__,
    "numpy_version": np.__version__,
    "ks": ks_cases(),
    "kstwo": kstwo_cases(),
    "cvm": cvm_cases(),
    "binned": binned_cases(),
    "chi2_sf": chi2_sf_cases(),
    "mmd": mmd_cases(),
}
OUT.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")
