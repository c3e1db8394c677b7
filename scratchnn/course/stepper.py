"""Step through the backward pass of your own ``Value`` graph, one node at a time (notebook 03).

    from scratchnn.course.stepper import BackwardStepper
    L = (w * x + b).sigmoid() ** 2                 # notebook 03's Value class, any expression
    BackwardStepper(L, topological_order)          # notebook 03's topological_order function

``Value.backward`` does three things: order the nodes (``topological_order``), set every gradient
to 0 and the output's to 1, then call each node's ``_backward`` from the output back to the inputs.
The stepper does the same with your functions, one ``_backward`` per Step: the node that just ran
gets a gold frame, the edges it pushed gradient into turn red, and its inputs' gradients (red numbers) fill
in. Back replays the steps before (gradients add up with ``+=``, so they cannot be subtracted);
Reset starts again. The graph is drawn as notebook 03's ``draw``: inputs left, data in black, grad
in red. The picture of every step is drawn once, when the stepper is made, so a click only sends it.

It runs your graph's own closures, so it sets the ``grad`` of your nodes as ``backward`` would.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
from matplotlib.patches import Rectangle

from ._parts import FigureImage, TeachingWidget, button

CURRENT = "#f5b400"
EDGE, PUSHED = "0.6", "crimson"


def _layout(order):
    """(column, row) of each node: one column right of its deepest input, as notebook 03 draws."""
    depth = {}
    for node in order:
        depth[node] = 1 + max((depth[c] for c in node._prev if c in depth), default=-1)
    columns = {}
    for node in order:
        columns.setdefault(depth[node], []).append(node)
    return {node: (d, -i + (len(col) - 1) / 2) for d, col in columns.items() for i, node in enumerate(col)}


def _name(node):
    op = f"[{node._op}]" if getattr(node, "_op", "") else ""
    return " ".join(s for s in (getattr(node, "label", ""), op) if s) or "·"


class BackwardStepper(TeachingWidget):
    """Step, Back and Reset through ``root``'s backward pass in ``topological_order(root)``.

    ``root`` is the output ``Value`` of any expression (notebook 03's class: ``data``, ``grad``,
    ``_prev``, ``_op``, ``label``, ``_backward``); ``topological_order`` the learner's function.
    ``stepper.step()``, ``.back()``, ``.reset()`` are what the buttons call; ``stepper.position`` is
    how many ``_backward`` calls have run. ``hide`` hides buttons by name (``"back"``, ``"reset"``).
    """

    label = "step through the backward pass"

    def __init__(self, root, topological_order, hide=()):
        order = topological_order(root)
        if not isinstance(order, list) or not order or order[-1] is not root:
            got = (type(order).__name__ if not isinstance(order, list)
                   else f"a list of {len(order)} ending with {order[-1]!r}" if order else "an empty list")
            raise ValueError(f"topological_order(root) must return a list ending with root, got {got}")
        self.root, self.order = root, order
        self.backward_order = list(reversed(order))
        self.position = 0
        self._pos = _layout(order)
        self._draw_graph()
        self.controls = {"step": button("Step", "run the next node's _backward"),
                         "back": button("Back", "undo the last step (replays the ones before)"),
                         "reset": button("Reset", "all gradients back to 0, the output's to 1")}
        self.controls["step"].on_click(lambda _: self.step())
        self.controls["back"].on_click(lambda _: self.back())
        self.controls["reset"].on_click(lambda _: self.reset())
        self.status = widgets.HTML()
        self.status.add_class("scratchnn-stepper-status")
        # Every step's picture is drawn now, once (about 50 ms each), so a click only sends one.
        self._pictures = {}
        self._replay(0)
        for _ in self.backward_order:
            self.step()
        self._replay(0)
        self._build([widgets.HBox(list(self.controls.values()) + [self.status]), self.picture.image], hide)

    # ------------------------------------------------------------------ the buttons
    def step(self):
        """Run the next node's ``_backward`` (nothing once every node has run)."""
        if self.position < len(self.backward_order):
            self.backward_order[self.position]._backward()
            self.position += 1
            self._show()

    def back(self):
        self._replay(max(0, self.position - 1))

    def reset(self):
        self._replay(0)

    @property
    def current(self):
        """The node whose ``_backward`` ran last (None before the first step)."""
        return self.backward_order[self.position - 1] if self.position else None

    def _replay(self, k):
        for node in self.order:
            node.grad = 0.0
        self.root.grad = 1.0                      # dL/dL, as Value.backward starts
        for node in self.backward_order[:k]:
            node._backward()
        self.position = k
        self._show()

    # ------------------------------------------------------------------ the picture
    def _draw_graph(self):
        columns = max(c for c, _ in self._pos.values()) + 1
        rows = max(sum(1 for c, _ in self._pos.values() if c == col) for col in range(columns))
        self.picture = FigureImage(figsize=(max(4.0, 1.5 * columns), 0.5 + 0.85 * rows))
        ax = self.picture.fig.add_axes([0, 0, 1, 1])
        self._edges, self._grads = {}, {}      # edge -> its (xs, ys); node -> its grad's text
        for node in self.order:
            for child in node._prev:
                (x0, y0), (x1, y1) = self._pos[child], self._pos[node]
                self._edges[child, node] = ((x0 + 0.41, x1 - 0.41), (y0, y1))
                ax.annotate("", (x1 - 0.41, y1), (x0 + 0.41, y0), arrowprops=dict(arrowstyle="->", color=EDGE, lw=1))
        for node, (x, y) in self._pos.items():
            ax.add_patch(Rectangle((x - 0.4, y - 0.3), 0.8, 0.6, fill=False, edgecolor="k", lw=0.8))
            ax.text(x, y + 0.13, _name(node), ha="center", va="center", fontsize=9, weight="bold")
            ax.text(x, y - 0.12, f"{node.data:.4g} ", ha="right", va="center", fontsize=8.5)
            self._grads[node] = ax.text(x, y - 0.12, "", ha="left", va="center", fontsize=8.5, color="crimson")
        ys = [y for _, y in self._pos.values()]
        ax.set(xlim=(-0.55, columns - 0.45), ylim=(min(ys) - 0.5, max(ys) + 0.5))
        ax.axis("off")
        # The node that just ran: a gold frame drawn over its box; the edges it pushed into, red.
        self._pushed = ax.plot([], [], color=PUSHED, lw=2.5)[0]
        self._highlight = ax.add_patch(Rectangle((0, 0), 0.86, 0.66, fill=False, edgecolor=CURRENT, lw=4,
                                                 visible=False))
        self.picture.animate([self._pushed, *self._grads.values(), self._highlight])

    def _show(self):
        current, total = self.current, len(self.backward_order)
        if current is None:
            text = f"step 0 of {total}: the output's gradient is 1, every other 0"
        elif current._prev:
            text = (f"step {self.position} of {total}: {_name(current)} pushed its gradient into its "
                    f"{len(set(current._prev))} input(s)")
        else:
            text = f"step {self.position} of {total}: {_name(current)} is a leaf, its _backward has nothing to do"
        if self.position == total:
            text += " (done: every gradient is in)"
        self.status.value = f'<span data-position="{self.position}" data-total="{total}">{html.escape(text)}</span>'
        if self.position not in self._pictures:
            self._pictures[self.position] = self._draw_step(current)
        self.picture.image.value = self._pictures[self.position]

    def _draw_step(self, current):
        """PNG of the graph now: ``current`` framed in gold, the edges it pushed into red, every grad."""
        if current is not None:
            x, y = self._pos[current]
            self._highlight.set_xy((x - 0.43, y - 0.33))
        self._highlight.set_visible(current is not None)
        for node in self.order:
            self._grads[node].set_text(f" {node.grad:.4g}")
            self._grads[node].set_fontweight("bold" if current is not None and node in current._prev else "normal")
        xs, ys = [], []
        for (child, node), (ex, ey) in self._edges.items():
            if node is current:                  # NaN between edges: one line, several segments
                xs += [*ex, float("nan")]
                ys += [*ey, float("nan")]
        self._pushed.set_data(xs, ys)
        return self.picture.png()
