"""viz: see the computation graph, watch backpropagation, and plot the lessons.

    from viz import draw_graph, animate_backward, plot_activations

- `draw_graph(root)` -> a graphviz.Digraph of the computation (render it with Graphviz's `dot`);
- `draw_model(model, input_shape)` -> a graphviz.Digraph with one box per layer (output shape, params);
- `animate_backward(root, "backprop.html")` -> a self-contained page stepping through backward;
- `plot_activations`, `plot_grad_flow`, `plot_optimizer_paths`, `plot_history`,
  `plot_decision_boundary` -> matplotlib Figures (saved when given `path=`).

viz may import the engine, `nn` and `optim`; none of them imports viz.
"""

from .animate import animate_backward
from .graph import GraphvizNotFound, draw_graph, render_svg, save_svg
from .model_diagram import draw_model
from .plots import plot_activations, plot_decision_boundary, plot_grad_flow, plot_history, plot_optimizer_paths

__all__ = [
    "draw_graph", "draw_model", "animate_backward", "GraphvizNotFound", "render_svg", "save_svg",
    "plot_activations", "plot_grad_flow", "plot_optimizer_paths", "plot_history",
    "plot_decision_boundary",
]
