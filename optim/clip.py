"""Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (in place on `.grad`).

The functions live in the engine (`tinygrad_edu.grad_utils`), where `nn`'s `GradientClipping`
callback finds them too; `optim` re-exports them under torch's names.
"""

from tinygrad_edu.grad_utils import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
