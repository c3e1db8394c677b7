"""The drawing pad: draw a digit and watch a net read it, then teach it your handwriting.

- ``pad``: ``DrawingPad``, the ipycanvas canvas; strokes stay in Python, events are paced.
- ``bars``: ``ProbabilityBars``, ten bars in one HTML widget.
- ``recognizer``: ``DigitRecognizer``, pad + 28x28 preview + bars, and its teaching controller
  (corrections queued while a fine-tuning run goes on in a worker thread).
- ``finetune``: ``FineTuner``, fine-tunes a copy of the net on your examples through ``fit``.
- ``_ipycanvas``: every use of ipycanvas's private parts, in one file (tests/test_ipycanvas.py).
- ``app``: the pad alone as a Voila app (``python -m scratchnn draw``), with its notebook.

    from scratchnn.pad.recognizer import DigitRecognizer
    DigitRecognizer()
"""
