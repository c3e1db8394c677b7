"""The course tooling: what the notebooks use, on top of the core. ``import scratchnn`` does not load it.

- ``checks``: one-line exercise checks (``check``, ``check_close``, ``compare``), ``reveal`` (a
  solution from the teacher's notebooks of an editable clone), ``mine`` (the learner's own files),
  and the one-line ❌ errors in IPython. Notebooks reach it as ``snn.checks``.
- ``drawn``: digits drawn the way people draw on the pad (styles, splits), and the committed set
  ``drawn_digits.json`` shipped beside it.
- ``student``: the learner's copy of the course (``python -m scratchnn course``); ``config/`` is
  the JupyterLab settings that command starts with.
- The teaching widgets the notebooks show, one module each: ``stepper`` (``BackwardStepper``, a
  learner's ``Value`` graph backward one node at a time, notebook 03), ``optimizers``
  (``OptimizerPlayground``, notebook 06), ``playground`` (``Playground2D``, a small net on 2-D points),
  ``neuron`` (``NeuronExplorer``, ``ActivationExplorer``, notebooks 01 and 10), ``init_scale``
  (``InitScaleExplorer``, notebook 11), ``nudge`` (``GradientNudge``, notebooks 02 and 04), and
  ``_parts``, what they share (throttled events, figure to picture, controls, the static picture).

Import the module you need (``from scratchnn.course.stepper import BackwardStepper``): this package
imports nothing itself.
"""
