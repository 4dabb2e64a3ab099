#!/usr/bin/env python3
"""Persistent sampling error at one heap-profile site: how often the site
verdict fires on a clean site, and how often it catches a leak, with the
sampling noise compared against the growth projected over the horizon
(before) or against the growth shown within the judged windows (shipped).

A measuring command, not a test (docs/probes.md, "Persistent sampling
error"): python3 bench/site_noise_sim.py [RUNS]  (default 1000 per row).

Model, gate-shaped: one dump per 20-minute window, 14 judged windows after a
1 h warm-up, horizon 6 h, alpha 0.001, growth bound at 95 %, site tolerances
32 KiB and 25 % of the level. A churning site holds N objects of `size`
bytes, each living an exponential lifetime and replaced when it dies; a
leak adds `leak_size`-byte objects at a rate and never frees them. A
heap profile with mean sample period P records an object of size s with
probability 1 - exp(-s / P); a recorded object stays in every dump while it
lives, which is what makes the error persist. The site's estimate and its
Horvitz-Thompson variance are taken per dump, as probes/heap_profile.cc
does; the Mann-Kendall test and Sen's bound as soak/verdict does (no ties
correction: the estimates are continuous enough).
"""
import heapq
import math
import random
import sys
from statistics import NormalDist

ND = NormalDist()
Z_ALPHA = ND.inv_cdf(1 - 0.001)


def mann_kendall(values):
    n = len(values)
    s = sum((values[j] > values[i]) - (values[j] < values[i]) for i in range(n) for j in range(i + 1, n))
    return s, n * (n - 1) * (2 * n + 5) / 18


def sen_lower_slope(points, variance, confidence=0.95):
    slopes = sorted((points[j][1] - points[i][1]) / (points[j][0] - points[i][0])
                    for i in range(len(points)) for j in range(i + 1, len(points)))
    rank = math.floor((len(slopes) - ND.inv_cdf(confidence) * math.sqrt(variance)) / 2)
    return slopes[rank - 1] if rank >= 1 else None


def run(lifetime_s, leak_bytes_per_hour, objects=120, size=512, leak_size=200, period=4096, window_s=1200,
        windows=14, warm_up_s=3600, horizon_s=21600, rng=random):
    p = 1 - math.exp(-size / period)
    p_leak = 1 - math.exp(-leak_size / period)
    live = [(rng.expovariate(1 / lifetime_s), rng.random() < p) for _ in range(objects)]
    heapq.heapify(live)
    leaked_sampled, t_prev, values, variances = 0, 0.0, [], []
    rate = leak_bytes_per_hour / leak_size / 3600 if leak_bytes_per_hour > 0 else 0
    for k in range(windows):
        t_dump = warm_up_s + k * window_s
        while live and live[0][0] < t_dump:  # deaths and their replacements, freshly sampled
            death, _ = heapq.heappop(live)
            heapq.heappush(live, (death + rng.expovariate(1 / lifetime_s), rng.random() < p))
        if rate > 0:
            t = t_prev
            while True:
                t += rng.expovariate(rate)
                if t >= t_dump:
                    break
                leaked_sampled += rng.random() < p_leak
        t_prev = t_dump
        sampled = sum(1 for _, recorded in live if recorded)
        values.append(sampled * size / p + leaked_sampled * leak_size / p_leak)
        variances.append(sampled * (1 - p) * (size / p) ** 2 + leaked_sampled * (1 - p_leak) * (leak_size / p_leak) ** 2)
    points = [(warm_up_s + (i + 0.5) * window_s, v) for i, v in enumerate(values)]
    s, variance = mann_kendall(values)
    z = (s - 1) / math.sqrt(variance) if s > 0 else 0
    lower = sen_lower_slope(points, variance)
    if lower is None or 1 - ND.cdf(z) >= 0.001:
        return False, False
    level = sorted(values)[len(values) // 2]
    one_sample = (leak_size / p_leak) ** 2 * (1 - p_leak)
    noise = Z_ALPHA * math.sqrt(2 * max(sorted(variances)[len(variances) // 2], one_sample))
    span_s = points[-1][0] - points[0][0]
    policy = lower * horizon_s > max(32768, 0.25 * level)
    before = lower * horizon_s > max(32768, 0.25 * level, noise)
    shipped = policy and lower * span_s > noise
    return before, shipped


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    random.seed(1)
    rows = [(f"clean churn, lifetime {l // 60} min", dict(lifetime_s=l, leak_bytes_per_hour=0)) for l in (1200, 3600, 7200)]
    rows += [(f"leak {b // 1024} KiB/h on the churning site", dict(lifetime_s=3600, leak_bytes_per_hour=b))
             for b in (10240, 20480, 30720)]
    rows += [(f"leak {b // 1024} KiB/h on its own site", dict(lifetime_s=3600, leak_bytes_per_hour=b, objects=0))
             for b in (10240, 20480)]
    print(f"{'case':42s} {'before':>8s} {'shipped':>8s}  (findings of {runs})")
    for label, kw in rows:
        before = shipped = 0
        for _ in range(runs):
            b, s = run(**kw)
            before += b
            shipped += s
        print(f"{label:42s} {before:8d} {shipped:8d}")


if __name__ == "__main__":
    main()
