"""Solutions of lesson 5 (weight init and symmetry)."""

import math

import numpy as np


def he_normal(shape, rng):
    return rng.normal(scale=math.sqrt(2 / shape[1]), size=shape)


def xavier_limit(fan_in, fan_out):
    return math.sqrt(6 / (fan_in + fan_out))


def distinct_units(W, b):
    return len(np.unique(np.round(np.column_stack([W, b]), 8), axis=0))


SOLUTIONS = {"he_normal": he_normal, "xavier_limit": xavier_limit, "distinct_units": distinct_units}
