"""The course tooling: what the notebooks use, on top of the core. ``import scratchnn`` does not load it.

- ``checks``: one-line exercise checks (``check``, ``check_close``, ``compare``), ``reveal`` (a
  solution from the teacher's notebooks of an editable clone), ``mine`` (the learner's own files),
  and the one-line ❌ errors in IPython. Notebooks reach it as ``snn.checks``.
- ``drawn``: digits drawn the way people draw on the pad (styles, splits), and the committed set
  ``drawn_digits.json`` shipped beside it.
- ``student``: the learner's copy of the course (``python -m scratchnn course``); ``config/`` is
  the JupyterLab settings that command starts with.
- The teaching widgets the notebooks show (stepper, optimizer and 2-D playgrounds, explorers).
"""
