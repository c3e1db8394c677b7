"""What the notebooks use beside the core library: the teaching widgets (more course tooling moves here later).

- ``stepper``: ``BackwardStepper``, step a learner's ``Value`` graph backward one node at a time (notebook 03).
- ``optimizers``: ``OptimizerPlayground``, the learner's optimizers racing on 2-D landscapes (notebook 06).
- ``playground``: ``Playground2D``, train a small net on 2-D points with a live decision boundary.
- ``neuron``: ``NeuronExplorer`` (sliders w1, w2, b of a two-input neuron) and ``ActivationExplorer``
  (a digit through the learner's layers, every activation as bars) (notebook 01).
- ``init_scale``: ``InitScaleExplorer``, per-layer activation and gradient statistics of a deep net
  at its start as an init-scale slider moves (notebook 11).
- ``nudge``: ``GradientNudge``, nudge one parameter and compare the loss's change with the
  learner's gradient's prediction (notebooks 02 and 04).
- ``_parts``: what every widget shares: throttled events, figure to picture, controls, the static picture.

Import the module you need (``from scratchnn.course.stepper import BackwardStepper``): this package
imports nothing itself, so ``import scratchnn`` stays light.
"""
