"""Teach a trained net your own handwriting: fine-tuning on a few examples, with replay so it does not forget.

A net trained on MNIST reads a continental 1 (a long flag, often a base) as a 7: MNIST's writers
rarely drew one. Show it five of yours, labelled, and a few hundred small gradient steps on them
teach it the style. Trained on your five alone, though, the net soon forgets the rest: every step
moves the weights towards "everything is a 1" and nothing pulls them back (catastrophic
forgetting). *Replay* pulls them back: each batch mixes your examples with a fresh random sample of
MNIST, so the loss the steps go down is "read mine AND still read MNIST"::

    tuner = FineTuner(snn.load_pretrained())   # replay: MNIST's training set, loaded on first learn()
    i = tuner.add(image28, 1)                  # a (28, 28) or (784,) image in [0, 1] and its label
    tuner.learn()                              # {"seconds": 0.8, "steps": 120, ...}; tuner.net has learned
    tuner.undo(); tuner.remove(i)              # forget the last example / one of them
    tuner.reset()                              # back to the weights it started from (examples kept)
    tuner.save("mine.npz")                     # a normal model file, saying what it was fine-tuned on

Every ``learn()`` starts again from the weights the tuner started from and trains on the examples
kept now, so forgetting an example really forgets it, and the same examples always give the same
net. Your examples are turned a little (rotation, size, shift, pen thickness) each time they are
used, so five of them stand for the many ways you draw that digit.
"""
from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from .augment import Augment
from .optim import Adam
from .validation import positive


class FineTuner:
    """Fine-tune ``net`` (in place) on a learner's labelled examples mixed with replayed data.

    ``replay``: ``(X, y)`` to mix in, X ``(n, 784)`` in [0, 1] and int labels; ``None`` uses MNIST's
    training set (``scratchnn.load_mnist()``), loaded on the first ``learn()``; ``False`` mixes in
    nothing (to see forgetting happen). ``seed`` fixes the batches and the example variations.
    ``steps`` gradient steps per ``learn()``, each on ``own`` variations of the examples and
    ``replay_batch`` replayed ones, with Adam at learning rate ``lr`` decaying along a cosine.
    """

    def __init__(self, net, replay=None, seed=0, steps=120, own=32, replay_batch=96, lr=5e-4,
                 augment=None, optimizer=None):
        self.net = net
        self.seed = int(seed)
        self.steps = positive(steps, "steps", integer=True)
        self.own = positive(own, "own", integer=True)
        self.replay_batch = positive(replay_batch, "replay_batch", integer=True, minimum=0)
        self.lr = positive(lr, "lr")
        self.make_optimizer = optimizer or (lambda lr: Adam(lr=lr, schedule="cosine"))
        # The variations the shipped drawing model was trained with: five examples stand for many.
        self.augment = Augment(rotate=20, scale=(0.8, 1.15), shear=0.25, p_thicker=0.3, p_thinner=0.3,
                               aspect=1.35) if augment is None else augment
        if replay is not None and replay is not False:
            X, y = replay
            X, y = np.asarray(X), np.asarray(y)
            if X.ndim != 2 or X.shape[1] != self._n_inputs or len(X) != len(y) or len(X) == 0:
                raise ValueError(f"replay must be (X, y) with X of shape (n, {self._n_inputs}) and n labels, "
                                 f"got X {X.shape} and y {y.shape}")
            replay = (X, y)
        self._replay = replay
        self._replay_source = "MNIST training set" if replay is None else "none" if replay is False else "given"
        self._start = [p.copy() for p in net.params()]
        meta = dict(getattr(net, "metadata", None) or {})
        self._base = {"architecture": "-".join(map(str, net.architecture())),
                      **{k: meta[k] for k in ("description", "test_accuracy", "drawn_accuracy") if k in meta}}
        self._examples = {}            # index -> (image (784,), label), in the order added
        self._next = 0
        self._changes = self._learned = 0   # how many adds/removes so far, and at the last learn()
        self.last = None               # the stats of the last learn()

    @property
    def _n_inputs(self):
        return self.net.params()[0].shape[0]

    # ------------------------------------------------------------------ the examples
    def add(self, image, label):
        """Keep ``image`` ((28, 28) or (784,), values in [0, 1]) as an example of digit ``label``; return its index."""
        x = np.asarray(image, dtype=np.float32)
        if x.size != self._n_inputs or x.ndim not in (1, 2):
            raise ValueError(f"image must be (28, 28) or ({self._n_inputs},), got shape {x.shape}")
        x = x.reshape(-1)
        if not np.isfinite(x).all():
            raise ValueError("image values must be in [0, 1] (the pad's 28x28 input), got NaN or inf")
        if x.min() < 0 or x.max() > 1:
            raise ValueError(f"image values must be in [0, 1] (the pad's 28x28 input), got {x.min():.3g}..{x.max():.3g}")
        if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)) \
                or not 0 <= label < self.net.n_outputs:
            raise ValueError(f"label must be an int in 0..{self.net.n_outputs - 1}, got {label!r}")
        index = self._next
        self._examples[index] = (x.copy(), int(label))
        self._next += 1
        self._changes += 1
        return index

    def remove(self, index):
        """Forget the example ``add`` returned ``index`` for."""
        if index not in self._examples:
            raise KeyError(f"no example {index!r}; kept: {sorted(self._examples)}")
        del self._examples[index]
        self._changes += 1

    def undo(self):
        """Forget the example added last (of those still kept); return its index, None if there is none."""
        if not self._examples:
            return None
        index = max(self._examples)
        self.remove(index)
        return index

    @property
    def examples(self):
        """``[(image (784,), label), ...]``, the examples kept, in the order they were added."""
        return [self._examples[i] for i in sorted(self._examples)]

    @property
    def indices(self):
        """The indices of the examples kept, in the order they were added (as ``add`` returned them)."""
        return sorted(self._examples)

    def counts(self):
        """``{digit: number of examples}`` for the digits with at least one."""
        labels = [label for _, label in self._examples.values()]
        return {k: labels.count(k) for k in sorted(set(labels))}

    # ------------------------------------------------------------------ learning
    def _replay_data(self):
        if self._replay is None:
            from .datasets import load_mnist

            (X, y), _ = load_mnist()
            self._replay = (X, y)
        return self._replay

    def reset(self):
        """Put back the weights the tuner started from. The examples are kept."""
        for p, p0 in zip(self.net.params(), self._start):
            p[...] = p0

    def learn(self):
        """Fine-tune ``net`` from its starting weights on the examples kept, mixed with replay.

        Returns ``{"seconds", "steps", "examples", "replayed", "loss"}`` (``loss``: the mean
        training loss of the last tenth of the steps). With no examples, only resets."""
        t0 = time.perf_counter()
        self.reset()
        self._learned = self._changes
        if not self._examples:
            self.last = {"seconds": time.perf_counter() - t0, "steps": 0, "examples": 0, "replayed": 0, "loss": None}
            return self.last
        dtype = self.net.params()[0].dtype
        X_own = np.stack([x for x, _ in self.examples]).astype(dtype, copy=False)
        y_own = np.array([label for _, label in self.examples])
        replay = self._replay_data() if self._replay is not False else None
        n_rep = self.replay_batch if replay is not None else 0
        eye = np.eye(self.net.n_outputs, dtype=dtype)
        rng = np.random.default_rng([self.seed, len(X_own)])
        optimizer = self.make_optimizer(self.lr)
        params, losses = self.net.params(), []
        with threadpool_limits(1, user_api="blas"):   # small matrices: BLAS threads only fight each other
            self._steps(X_own, y_own, replay, n_rep, eye, rng, optimizer, params, losses, dtype)
        self.last = {"seconds": time.perf_counter() - t0, "steps": self.steps, "examples": len(X_own),
                     "replayed": self.steps * n_rep, "loss": float(np.mean(losses[-max(1, self.steps // 10):]))}
        return self.last

    def _steps(self, X_own, y_own, replay, n_rep, eye, rng, optimizer, params, losses, dtype):
        for step in range(self.steps):
            pick = rng.integers(len(X_own), size=self.own)
            Xb, yb = self.augment(X_own[pick], rng), y_own[pick]
            if n_rep:
                r = rng.integers(len(replay[0]), size=n_rep)
                Xb = np.concatenate([Xb.astype(dtype, copy=False), np.asarray(replay[0][r], dtype)])
                yb = np.concatenate([yb, replay[1][r]])
            self.net.forward(Xb.astype(dtype, copy=False))
            losses.append(self.net.backward(eye[yb]))
            optimizer.step(params, self.net.grads(), progress=step / self.steps)

    # ------------------------------------------------------------------ saving
    def metadata(self):
        """What the fine-tuned net was made from: examples per digit, the base model, replay and seed."""
        pool = len(self._replay[0]) if isinstance(self._replay, tuple) else 60000 if self._replay is None else 0
        return {"counts": {str(k): n for k, n in self.counts().items()}, "examples": len(self._examples),
                "base_model": dict(self._base),
                "replay": {"data": self._replay_source, "pool": pool, "per_step": self.replay_batch if self._replay is not False else 0},
                "steps": self.steps, "own_per_step": self.own, "lr": self.lr, "seed": self.seed,
                "learned": self.last is not None and self._learned == self._changes}

    def save(self, path):
        """Save ``net`` as a normal model file (``Net.load``, ``DigitRecognizer(Net.load(path))``),
        its metadata saying what it was fine-tuned on. Returns the path."""
        info = self.metadata()
        counts = ", ".join(f"{n} x {k}" for k, n in info["counts"].items()) or "no examples"
        net = self.net.copy()
        net.metadata = {}
        replay = {"MNIST training set": "with replay of MNIST's training set", "none": "without replay",
                  "given": "with replay of given data"}[info["replay"]["data"]]
        base = info["base_model"].get("description", f"a {info['base_model']['architecture']} net")
        return net.save(path, description=f"Fine-tuned on a learner's own digits ({counts}) {replay}, from: {base}",
                        fine_tuned=info)
