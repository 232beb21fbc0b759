"""Paths through G's input space (latent walks): which points a walk between endpoints visits.

A walk visits K >= 2 endpoints in order and stops at n >= K points in total. Every endpoint is a
stop, so a walk through several cells passes exactly through each; the n - 1 steps between stops
are shared out among the K - 1 segments as evenly as possible (the first segments take one more
when they do not divide), and within a segment the stops are evenly spaced in t.

How two endpoints are joined depends on what they are:

- Gaussian noise (the only noise G is trained on: ``standard_normal``) by :func:`slerp`. Its
  vectors lie near the sphere of radius sqrt(latent): the straight line between two of them passes
  through norms G never saw in training (about 0.71 sqrt(latent) halfway between independent
  ones), and samples fade there. A path on the sphere stays among the noise G knows.
- Class codes (one-hot rows) by :func:`lerp`: the blend of two one-hot codes is what a
  conditional G reads between two classes. Uniform noise would be joined linearly too (a straight
  line stays inside the cube it is drawn from).

Endpoints are copied into the path, not recomputed: the walk's stops at its endpoints hold the
endpoints' own vectors bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Interpolation = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

PARALLEL = 1e-6  # sin(angle) below which two directions are taken as one line: joined linearly


def lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linear interpolation: a, b (n, d), t (n,) in [0, 1] -> (n, d) float64, (1 - t) a + t b."""
    t = np.asarray(t, np.float64)[:, None]
    return (1.0 - t) * np.asarray(a, np.float64) + t * np.asarray(b, np.float64)


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation: a, b (n, d), t (n,) in [0, 1] -> (n, d) float64. The direction
    turns along the great circle from a's to b's at a constant rate, and the length goes linearly
    from |a| to |b|, so every point's norm lies between the endpoints' norms (a plain slerp of
    vectors of unequal lengths overshoots them). Rows whose directions are (anti)parallel have no
    one great circle and are joined linearly."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    t = np.asarray(t, np.float64)[:, None]
    norm_a = np.linalg.norm(a, axis=1, keepdims=True)
    norm_b = np.linalg.norm(b, axis=1, keepdims=True)
    unit_a = a / np.where(norm_a > 0, norm_a, 1.0)
    unit_b = b / np.where(norm_b > 0, norm_b, 1.0)
    angle = np.arccos(np.clip(np.sum(unit_a * unit_b, axis=1, keepdims=True), -1.0, 1.0))
    sin = np.sin(angle)
    curved = sin > PARALLEL
    safe_sin = np.where(curved, sin, 1.0)
    direction = (np.sin((1.0 - t) * angle) * unit_a + np.sin(t * angle) * unit_b) / safe_sin
    spherical = direction * ((1.0 - t) * norm_a + t * norm_b)
    return np.where(curved, spherical, lerp(a, b, t[:, 0]))


def stop_positions(stops: int, endpoints: int) -> np.ndarray:
    """(stops,) float64 positions along a path through `endpoints` endpoints: position k is
    endpoint k, k + f is the fraction f of the way from endpoint k to k + 1. The first and last
    stops are the first and last endpoints, and every endpoint is a stop (stops >= endpoints >= 2)."""
    if not 2 <= endpoints <= stops:
        raise ValueError(f"a walk needs 2 or more endpoints and at least a stop at each: {endpoints} endpoints, {stops} stops")
    segments = endpoints - 1
    steps = np.full(segments, (stops - 1) // segments)
    steps[: (stops - 1) % segments] += 1
    along = [segment + np.arange(1, count + 1) / count for segment, count in enumerate(steps)]
    return np.concatenate([[0.0], *along])


def endpoint_stops(stops: int, endpoints: int) -> np.ndarray:
    """(endpoints,) int64: the index of the stop at each endpoint of a walk (see :func:`stop_positions`)."""
    positions = stop_positions(stops, endpoints)
    return np.flatnonzero(positions == np.round(positions))


def walk_path(endpoints: np.ndarray, stops: int, interpolate: Interpolation) -> np.ndarray:
    """endpoints (K, d) -> (stops, d) of their dtype: the points a walk through them in order
    visits (see :func:`stop_positions`), each segment joined by `interpolate` (:func:`slerp` or
    :func:`lerp`); the endpoints themselves are copied in exactly."""
    endpoints = np.asarray(endpoints)
    positions = stop_positions(stops, len(endpoints))
    segment = np.minimum(positions.astype(np.int64), len(endpoints) - 2)
    path = interpolate(endpoints[segment], endpoints[segment + 1], positions - segment).astype(endpoints.dtype)
    path[endpoint_stops(stops, len(endpoints))] = endpoints
    return path
