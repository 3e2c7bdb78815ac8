"""Statistics shared by the checks that compare a manager with the rest of the team."""

from __future__ import annotations

import numpy as np


def lower_tail_p(successes: np.ndarray, trials: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """One-sided binomial p-value P(X <= successes) for X ~ Binomial(trials, rate).

    scipy.special's bdtr is scipy.stats.binom.cdf without the second-long import of
    scipy.stats; imported here, so audits that never test anything never pay for scipy.
    """
    from scipy.special import bdtr
    return np.clip(bdtr(np.asarray(successes), np.asarray(trials), np.asarray(rate, dtype=float)), 0.0, 1.0)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) in the input order, as
    scipy.stats.false_discovery_control(p, method="bh"): controls false alarms across the
    many owner (or owner x stage) comparisons of one audit."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.clip(q, 0.0, 1.0)
    return out
