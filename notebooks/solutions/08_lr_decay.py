"""Solutions of lesson 8 (learning-rate decay)."""

import math


def step_decay(epoch, lr0):
    return lr0 * 0.1 ** sum(epoch >= m for m in (30, 60, 90))


def cosine_lr(epoch, lr0, T_max, eta_min=0.0):
    return eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2


SOLUTIONS = {"step_decay": step_decay, "cosine_lr": cosine_lr}
