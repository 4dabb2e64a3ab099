#!/usr/bin/env python3
"""What a stricter slope bound costs: leaks caught per confidence.

A measuring command, not a test (docs/verdict.md, "Why the slope bound is
not corrected for the number of series judged"). Synthetic gate-sized runs:
14 window minima after a 1 h warm-up, 20-minute windows, growth projected
over a 6 h horizon, Gaussian noise sigma = tolerance / 8. A run is caught
when the one-sided Mann-Kendall p < alpha (the gate's 0.001) and the growth
at Sen's lower bound of the slope passes the tolerance, as in
soak/verdict/trend_rule.h (without its step split, which does not apply to
a ramp).

    python3 bench/bound_confidence_sim.py [runs per cell, default 200]
"""
import math
import random
import sys
from collections import Counter
from statistics import NormalDist

WINDOWS, WINDOW_S, WARM_UP_S, HORIZON_S = 14, 1200.0, 3600.0, 21600.0
TOLERANCE, ALPHA = 4.0, 0.001
SIGMA = TOLERANCE / 8


def mk_variance(values):
    n = len(values)
    ties = sum(t * (t - 1) * (2 * t + 5) for t in Counter(values).values())
    return (n * (n - 1) * (2 * n + 5) - ties) / 18


def mk_p_upward(values):
    n = len(values)
    s = sum((values[j] > values[i]) - (values[j] < values[i]) for i in range(n) for j in range(i + 1, n))
    var = mk_variance(values)
    if var <= 0 or s <= 0:
        return 1.0
    return 1 - NormalDist().cdf((s - 1) / math.sqrt(var))


def sen_lower_slope(points, confidence):
    slopes = sorted((points[j][1] - points[i][1]) / (points[j][0] - points[i][0])
                    for i in range(len(points)) for j in range(i + 1, len(points)))
    c = NormalDist().inv_cdf(confidence) * math.sqrt(mk_variance([v for _, v in points]))
    rank = math.floor((len(slopes) - c) / 2)
    return slopes[rank - 1] if rank >= 1 else None


def caught(shape, multiple, confidence, seed):
    rng = random.Random(seed)
    growth = multiple * TOLERANCE
    points = []
    for i in range(WINDOWS):
        t = WARM_UP_S + (i + 0.5) * WINDOW_S
        frac = (i + 0.5) / WINDOWS
        if shape == "linear":
            level = growth * frac
        else:  # flat, then growing from the middle of the measured phase
            level = 0.0 if frac < 0.5 else growth * (frac - 0.5) / 0.5
        points.append((t, 100 + level + rng.gauss(0, SIGMA)))
    lower = sen_lower_slope(points, confidence)
    return mk_p_upward([v for _, v in points]) < ALPHA and lower is not None and lower * HORIZON_S > TOLERANCE


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    confidences = (0.95, 0.99, 0.999)
    print("| leak | " + " | ".join(f"{c:g}" for c in confidences) + " |")
    print("|---|" + "---|" * len(confidences))
    for shape, multiple in (("linear", 1.5), ("mid-run", 2.25), ("mid-run", 3.0), ("mid-run", 4.0)):
        counts = [sum(caught(shape, multiple, c, seed) for seed in range(runs)) for c in confidences]
        print(f"| {shape}, {multiple:g} x tolerance | " + " | ".join(str(n) for n in counts) + " |")


if __name__ == "__main__":
    main()
