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
used, so five of them stand for the many ways you draw that digit. The training is ``Net.fit``'s
loop (its callbacks, and its stop when the loss diverges) on a batch set made here: each batch is
``own`` variations of your examples then ``replay_batch`` replayed digits.

An update that does more harm than good is not kept: when the net reads a fixed sample of the
replay data more than ``max_drop`` worse than the net it started from (too large a learning rate,
a mislabelled example), or when training diverges, ``learn()`` puts back the weights the net had
before it and says why in ``tuner.last["kept"]``.
"""
from __future__ import annotations

import copy
import time

import numpy as np

from ..augment import Augment
from ..optim import Adam
from ..training import fit
from ..validation import inputs, positive

#: How many replayed examples (a fixed random sample) measure what fine-tuning costs on them.
N_CHECK = 1000


class FineTuner:
    """Fine-tune ``net`` (in place) on a learner's labelled examples mixed with replayed data.

    ``replay``: ``(X, y)`` to mix in, X ``(n, 784)`` in [0, 1] and int labels; ``None`` uses MNIST's
    training set (``scratchnn.load_mnist()``), loaded on the first ``learn()``; ``False`` mixes in
    nothing (to see forgetting happen). ``seed`` fixes the batches and the example variations.
    ``steps`` gradient steps per ``learn()``, each on ``own`` variations of the examples and
    ``replay_batch`` replayed ones, with Adam at learning rate ``lr`` decaying along a cosine.
    ``max_drop``: the largest fall in accuracy on the replay check sample an update may cause and
    be kept (0.05 is 5 points); without replay there is nothing to check it on.
    """

    def __init__(self, net, replay=None, seed=0, steps=120, own=32, replay_batch=96, lr=5e-4,
                 augment=None, optimizer=None, max_drop=0.05):
        self.net = net
        self.seed = int(seed)
        self.steps = positive(steps, "steps", integer=True)
        self.own = positive(own, "own", integer=True)
        self.replay_batch = positive(replay_batch, "replay_batch", integer=True, minimum=0)
        self.lr = positive(lr, "lr")
        self.max_drop = positive(max_drop, "max_drop", minimum=0, maximum=1)
        self.make_optimizer = optimizer or (lambda lr: Adam(lr=lr, schedule="cosine"))
        # The variations the shipped drawing model was trained with: five examples stand for many.
        self.augment = Augment(rotate=20, scale=(0.8, 1.15), shear=0.25, p_thicker=0.3, p_thinner=0.3,
                               aspect=1.35) if augment is None else augment
        if replay is not None and replay is not False:
            replay = self._checked_replay(replay)
        self._replay = replay
        self._replay_source = "MNIST training set" if replay is None else "none" if replay is False else "given"
        self._start = [p.copy() for p in net.params()]
        meta = dict(getattr(net, "metadata", None) or {})
        self._base = {"architecture": "-".join(map(str, net.architecture())),
                      **{k: meta[k] for k in ("description", "test_accuracy", "drawn_accuracy") if k in meta}}
        self._examples = {}            # index -> (image (784,), label), in the order added
        self._next = 0
        self._changes = 0              # how many adds/removes so far
        self._learned = None           # the value of _changes when the net last learned them all
        # the replay set aside to check, the rest of it, and the start's accuracy
        self._check = self._pool = self._start_accuracy = None
        self.last = None               # the stats of the last learn()

    @property
    def _n_inputs(self):
        return self.net.params()[0].shape[0]

    def _checked_replay(self, replay):
        """``(X, y)`` if X is ``(n, 784)`` in [0, 1] and y has n int labels the net has, else a ValueError."""
        if not (isinstance(replay, (tuple, list)) and len(replay) == 2):
            raise ValueError(f"replay must be a pair (X, y), None (MNIST) or False, got {type(replay).__name__}")
        X = inputs(replay[0], self._n_inputs, self.net.params()[0].dtype, name="replay X")  # 2-D, finite
        if X.min() < 0 or X.max() > 1:
            raise ValueError(f"replay X values must be in [0, 1] (pixels / 255), got {X.min():.3g}..{X.max():.3g}")
        y, k = np.asarray(replay[1]), self.net.n_outputs
        if y.shape != (len(X),) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= k:
            numeric = y.size and np.issubdtype(y.dtype, np.number)
            got = f"{y.dtype} {y.min()}..{y.max()}" if numeric else f"dtype {y.dtype}"
            raise ValueError(f"replay labels must be {len(X)} ints in 0..{k - 1}, got shape {y.shape}, {got}")
        return X, y

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
            raise ValueError(f"image values must be in [0, 1] (the pad's 28x28 input), "
                             f"got {x.min():.3g}..{x.max():.3g}")
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
            from ..datasets import load_mnist

            (X, y), _ = load_mnist()
            self._replay = (X, y)
        return self._replay

    def reset(self):
        """Put back the weights the tuner started from. The examples are kept."""
        self._set_weights(self._start)
        self._learned = None if self._examples else self._changes

    def _set_weights(self, weights):
        for p, w in zip(self.net.params(), weights):
            p[...] = w

    def learn(self):
        """Fine-tune ``net`` from its starting weights on the examples kept, mixed with replay.

        Returns ``{"seconds", "steps", "examples", "replayed", "loss", "replay_accuracy", "kept"}``
        (``loss``: the mean training loss of the last tenth of the steps; ``replay_accuracy``:
        ``(before, after)`` on the replay check sample, None without replay; ``kept``: None, or the
        sentence saying why the net kept the weights it had before). With no examples, only resets.
        If training raises, the net keeps the weights it had, and the exception goes on.
        """
        t0 = time.perf_counter()
        before = [p.copy() for p in self.net.params()]
        changes = self._changes
        try:
            self.last = self._learn()
        except BaseException:
            self._set_weights(before)
            raise
        if self.last["kept"]:
            self._set_weights(before)
        else:
            self._learned = changes
        self.last["seconds"] = time.perf_counter() - t0
        return self.last

    def _learn(self):
        self._set_weights(self._start)
        stats = {"steps": 0, "examples": len(self._examples), "replayed": 0, "loss": None,
                 "replay_accuracy": None, "kept": None}
        if not self._examples:
            return stats
        replay = self._replay_data() if self._replay is not False else None
        start = self._replay_check(replay) if replay is not None else None
        X, y = self._batches(replay)
        n_rep = self.replay_batch if replay is not None else 0
        history = fit(self.net, X, y, epochs=1, batch_size=self.own + n_rep, optimizer=self.make_optimizer(self.lr),
                      shuffle=False, seed=self.seed, augment=self._vary_own)
        steps = len(history.step_loss)
        stats.update(steps=steps, replayed=steps * n_rep,
                     loss=float(np.mean(history.step_loss[-max(1, steps // 10):])))
        if history.stopped:
            stats["kept"] = f"fine-tuning stopped: {history.stopped}"
        elif start is not None:
            now = self._replay_accuracy()
            stats["replay_accuracy"] = (start, now)
            if now < start - self.max_drop:
                stats["kept"] = (f"it would read the replayed digits {start:.1%} -> {now:.1%}, more than "
                                 f"{100 * self.max_drop:g} points worse (try a smaller lr, or check the labels)")
        return stats

    def _batches(self, replay):
        """The batch set for ``fit``: per step, ``own`` picks from the examples then ``replay_batch`` replayed."""
        dtype = self.net.params()[0].dtype
        X_own = np.stack([x for x, _ in self.examples]).astype(dtype, copy=False)
        y_own = np.array([label for _, label in self.examples])
        rng = np.random.default_rng([self.seed, len(X_own)])
        pick = rng.integers(len(X_own), size=(self.steps, self.own))
        X, y = X_own[pick], y_own[pick]                            # (steps, own, 784), (steps, own)
        if replay is not None and self.replay_batch:
            r = self._pool[rng.integers(len(self._pool), size=(self.steps, self.replay_batch))]
            X = np.concatenate([X, np.asarray(replay[0][r], dtype)], axis=1)
            y = np.concatenate([y, replay[1][r]], axis=1)
        return X.reshape(-1, X.shape[-1]), y.reshape(-1)

    def _vary_own(self, X_batch, rng):
        """``fit``'s augment hook: vary the learner's examples (the first ``own`` rows), not the replay.

        In place: each batch of the batch set ``_batches`` made for this ``learn()`` is used once."""
        X_batch[:self.own] = self.augment(X_batch[:self.own], rng)
        return X_batch

    def _replay_check(self, replay):
        """Set aside a fixed random sample of the replay data (never trained on here); return the
        starting weights' accuracy on it (call it with the starting weights in place)."""
        if self._check is None:
            rng = np.random.default_rng([self.seed, 1])
            n = len(replay[0])
            check = rng.choice(n, size=min(N_CHECK, n // 2), replace=False)
            self._check = (np.asarray(replay[0][check]), np.asarray(replay[1][check]))
            self._pool = np.setdiff1d(np.arange(n), check)      # what the batches replay
            self._start_accuracy = self._replay_accuracy() if len(check) else None
        return self._start_accuracy

    def _replay_accuracy(self):
        return float(np.mean(self.net.predict(self._check[0]) == self._check[1]))

    # ------------------------------------------------------------------ saving
    def metadata(self):
        """What the fine-tuned net was made from: examples per digit, the base model, replay and seed."""
        pool = len(self._replay[0]) if isinstance(self._replay, tuple) else 60000 if self._replay is None else 0
        return {"counts": {str(k): n for k, n in self.counts().items()}, "examples": len(self._examples),
                "base_model": dict(self._base),
                "replay": {"data": self._replay_source, "pool": pool,
                           "per_step": self.replay_batch if self._replay is not False else 0},
                "steps": self.steps, "own_per_step": self.own, "lr": self.lr, "seed": self.seed,
                "learned": self._learned == self._changes}

    def save(self, path):
        """Save ``net`` as a normal model file (``Net.load``, ``DigitRecognizer(Net.load(path))``),
        its metadata saying what it was fine-tuned on. Returns the path."""
        info = self.metadata()
        counts = ", ".join(f"{n} x {k}" for k, n in info["counts"].items()) or "no examples"
        net = copy_net(self.net)
        net.metadata = {}
        replay = {"MNIST training set": "with replay of MNIST's training set", "none": "without replay",
                  "given": "with replay of given data"}[info["replay"]["data"]]
        base = info["base_model"].get("description", f"a {info['base_model']['architecture']} net")
        return net.save(path, description=f"Fine-tuned on a learner's own digits ({counts}) {replay}, from: {base}",
                        fine_tuned=info)


def copy_net(net):
    """A copy of ``net`` whose weights change apart from its own. The copy shares ``net.metadata``
    (only read here), so whatever nests in it, a list 600 deep say, cannot make the copy fail."""
    metadata = getattr(net, "metadata", None)
    return copy.deepcopy(net, {id(metadata): metadata})
