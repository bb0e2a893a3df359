"""Activation regions of piecewise-linear networks."""
