"""What the harness measures: backends, training variants and problem configurations.

A *backend* is one installed package in its own virtual environment under ``.bench/``.
A *variant* is one training rule of one backend (with a batch size where the rule has one).
A *configuration* is one problem (data size, map size, epochs) and the variants run on it;
its fits are timed whole. The per-step sweep over features × map × batch is in
``benchmarks/sweep.py``.

Every variant receives the same data (``make_blobs`` with 3 centres and seed 42,
standardised, float32), the same map, the same number of epochs, PCA initialisation, a
gaussian neighbourhood, the euclidean distance, ``sigma = 1.45`` and
``learning_rate = 0.95``. ``PARAMETER_NOTES`` says what these mean for each backend.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

SIGMA = 1.45
LEARNING_RATE = 0.95
DATA_SEED = 42
SOM_SEED = 42
BLOB_CENTERS = 3

# ---------------------------------------------------------------------------- backends


@dataclass(frozen=True)
class Backend:
    """One package in its own virtual environment ``.bench/<name>``."""

    name: str
    runner: str  # script in benchmarks/runners
    requirements: tuple[str, ...]
    editable_repo: bool = False  # also `pip install -e <repo root>`
    uses_torch: bool = False
    label: str = ""
    import_name: str = ""


TORCH_PIN = "torch==2.13.0"

BACKENDS: dict[str, Backend] = {
    b.name: b
    for b in (
        Backend("ours", "run_ours.py", (TORCH_PIN,), editable_repo=True, uses_torch=True,
                label="torchsom (this repo)", import_name="torchsom"),
        Backend("torchsom131", "run_torchsom131.py", (TORCH_PIN, "torchsom==1.3.1", "scikit-learn"),
                uses_torch=True, label="torchsom 1.3.1", import_name="torchsom"),
        Backend("minisom", "run_minisom.py", ("minisom==2.3.6", "numpy"), label="MiniSom 2.3.6",
                import_name="minisom"),
        Backend("xpysom", "run_xpysom.py", ("xpysom==1.0.7", "numpy"), label="XPySom 1.0.7",
                import_name="xpysom"),
    )
}

# ---------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class Variant:
    """One training rule of one backend."""

    name: str
    backend: str
    rule: str  # "minibatch" | "batch" | "online"
    batch_size: int | None = None
    threads: tuple[int, ...] = (1, 2)
    note: str = ""
    constant_lr: float | None = None  # hold the learning rate at this value every epoch


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("ours-mb16", "ours", "minibatch", 16),
        Variant("ours-mb256", "ours", "minibatch", 256),
        Variant("ours-batch", "ours", "batch"),
        Variant("ours-kohonen", "ours", "batch", constant_lr=1.0,
                note="batch rule with learning_rate=1 held constant: Kohonen's batch map, "
                     "the rule XPySom implements"),
        Variant("torchsom131-mb16", "torchsom131", "minibatch", 16),
        Variant("torchsom131-mb256", "torchsom131", "minibatch", 256),
        Variant("xpysom-batch", "xpysom", "batch"),
        Variant("minisom-batch", "minisom", "batch", threads=(1,),
                note="train_batch_offline: a Python loop over samples; single-threaded"),
        Variant("minisom-online", "minisom", "online", threads=(1,),
                note="train(use_epochs=True, random_order=True); single-threaded"),
    )
}

#: What each like-with-like comparison pits against what.
COMPARISONS = {
    "mini-batch rule, same batch size": ("ours-mb16", "torchsom131-mb16", "ours-mb256",
                                         "torchsom131-mb256"),
    "Kohonen batch rule": ("ours-batch", "ours-kohonen", "xpysom-batch", "minisom-batch"),
    "classic online reference": ("minisom-online",),
}

PARAMETER_NOTES: dict[str, str] = {
    "ours": (
        "`SOM(x, y, F, epochs=E, batch_size=B, sigma=1.45, learning_rate=0.95, "
        "initialization_mode='pca', neighborhood_function='gaussian', "
        "distance_function='euclidean', algorithm='minibatch'|'batch', random_seed=42)`; "
        "`initialize_weights(data, mode='pca')`; `fit(data, verbose=False)`. "
        "Gaussian `exp(-d²/2σ²)`; σ and lr follow `asymptotic_decay` per epoch: "
        "`v / (1 + 2t/E)`. Mini-batch: `W += (lr/b) Σ h (x − W)` per batch. "
        "Batch: `W += lr (W* − W)` with `W* = Σ h x / Σ h` once per epoch. `ours-kohonen`: "
        "the batch rule with `learning_rate=1` and `lr_decay_function=lambda v, t, T: v`, "
        "i.e. `W = W*` every epoch (Kohonen's batch map; XPySom's rule)."
    ),
    "torchsom131": (
        "Same constructor (no `algorithm`), `device='cpu'`, `initialize_weights(data, "
        "mode='pca')`, `fit(data, verbose=False)`. Same gaussian, same per-epoch "
        "asymptotic schedules, same averaged mini-batch step; it also computes QE and TE on "
        "every batch inside `fit` (part of its fit time)."
    ),
    "minisom": (
        "`MiniSom(x, y, F, sigma=1.45, learning_rate=0.95, decay_function='asymptotic_decay', "
        "sigma_decay_function='asymptotic_decay', neighborhood_function='gaussian', "
        "activation_distance='euclidean', random_seed=42)`; `pca_weights_init(data)`. "
        "Gaussian `exp(-d²/2σ²)` (same). Online: `train(data, E, random_order=True, "
        "use_epochs=True)`: E passes over one shuffled order, one update per sample "
        "`W += lr·h (x − W)`, σ and lr decayed per epoch like ours. Batch: "
        "`train_batch_offline(data, E)`: `W ← (1 − lr) W + lr W*` per epoch, exactly our "
        "batch rule (a Python loop over samples)."
    ),
    "xpysom": (
        "`XPySom(x, y, F, sigma=1.45, learning_rate=0.95, decay_function='asymptotic', "
        "neighborhood_function='gaussian', std_coeff=1.0, activation_distance='euclidean', "
        "random_seed=42, xp=numpy)`; `pca_weights_init(data)`; `train(data, E)`. "
        "XPySom's gaussian is `exp(-d²/(2 (std_coeff·σ)²))` with `std_coeff=0.5` by default, "
        "so `std_coeff=1.0` gives our σ. Its 'asymptotic' decay `v / (1 + 2t/E)` equals "
        "ours. It is batch-only: `W = Σ lr·h x / Σ lr·h`, so the learning rate cancels "
        "(our batch rule with lr = 1); `sigmaN` / `learning_rateN` are unused by this "
        "decay. Its PCA init spans `[-1, 1]` along rows of `eig(cov)`'s eigenvector matrix, "
        "not centred on the mean. Samples per chunk: `n_parallel` = 500 × CPU cores "
        "(default)."
    ),
}

# ---------------------------------------------------------------------------- configurations


@dataclass(frozen=True)
class Config:
    """One problem and the variants run on it."""

    id: str
    group: str
    n: int
    features: int
    x: int
    y: int
    epochs: int
    variants: tuple[str, ...]
    repeats: int = 3
    note: str = ""
    skips: dict[str, str] = field(default_factory=dict)  # variant -> reason
    threads: tuple[int, ...] = (1, 2)  # thread counts it runs at (within --threads)

    @property
    def neurons(self) -> int:
        return self.x * self.y

    @property
    def work(self) -> int:
        """Problem size: samples × features × neurons × epochs (∝ FLOPs of one search)."""
        return self.n * self.features * self.neurons * self.epochs


ALL_GRID_VARIANTS = ("ours-mb16", "ours-mb256", "torchsom131-mb16", "torchsom131-mb256",
                     "ours-batch", "ours-kohonen", "xpysom-batch", "minisom-batch",
                     "minisom-online")

TORCHSOM_OOM = "known OOM: torchsom 1.3.1 builds an (x·y)² distance table (10 GB at 150×150)"
MINISOM_1M = "too slow: MiniSom loops over 10⁶ samples in Python (minutes per epoch)"


def _tutorial() -> Config:
    return Config("tutorial", "tutorial", 300, 4, 25, 15, 100,
                  ("ours-mb16", "torchsom131-mb16", "ours-batch", "ours-kohonen",
                   "xpysom-batch", "minisom-batch", "minisom-online"),
                  # its ~0.1 s fits vary by process (two speed modes seen on shared
                  # VMs), so its median needs more processes than the long fits do
                  repeats=9,
                  note="make_blobs 300×4, 25×15, 100 epochs, batch 16 (the torchsom demo)")


def _grid() -> list[Config]:
    # the other data sizes of the former 25×15 grid are covered by the sweep's per-step
    # times (benchmarks/sweep.py); 16000×300 stays: it carries two targets
    return [Config("grid-16000x300", "grid", 16000, 300, 25, 15, 10, ALL_GRID_VARIANTS,
                   note="16000×300 on a 25×15 map, 10 epochs")]


def _bigmap() -> Config:
    return Config("bigmap-90x70", "bigmap", 4000, 50, 90, 70, 5, ALL_GRID_VARIANTS,
                  note="90×70 map, 4000×50, 5 epochs")


MEMORY_SIDES = (50, 100, 150, 200, 250, 300)


def _memory() -> list[Config]:
    out = []
    for side in MEMORY_SIDES:
        skips = {}
        if side >= 200:
            skips["torchsom131-mb16"] = TORCHSOM_OOM
        out.append(Config(f"memory-{side}x{side}", "memory", 1000, 10, side, side, 1,
                          ("ours-mb16", "ours-batch", "torchsom131-mb16", "xpysom-batch",
                           "minisom-batch", "minisom-online"), repeats=1,
                          note="memory scaling: 1000×10, 1 epoch, 1 run (peak RSS)",
                          skips=skips, threads=(1,)))
    return out


def _huge() -> Config:
    return Config("huge-1Mx50", "huge", 1_000_000, 50, 50, 50, 1,
                  ("ours-batch", "xpysom-batch", "minisom-batch"),
                  note="10⁶×50 on a 50×50 map, batch rule, 1 epoch",
                  skips={"minisom-batch": MINISOM_1M}, threads=(1,))


def full_configs() -> list[Config]:
    """Every configuration of ``make bench``."""
    return [_tutorial(), *_grid(), _bigmap(), *_memory(), _huge()]


def smoke_configs() -> list[Config]:
    """One tiny configuration through every variant (``make bench-smoke``)."""
    return [Config("smoke", "smoke", 60, 4, 5, 4, 2, tuple(VARIANTS), repeats=1,
                   note="tiny: every variant once, 1 thread", threads=(1,))]


def select(configs: list[Config], only: str | None) -> list[Config]:
    """Keep configurations whose id or group matches one of the comma-separated globs."""
    if not only:
        return list(configs)
    patterns = [p.strip() for p in only.split(",") if p.strip()]
    return [c for c in configs
            if any(fnmatch.fnmatch(c.id, p) or fnmatch.fnmatch(c.group, p) for p in patterns)]


def select_variants(names: tuple[str, ...], pattern: str | None) -> tuple[str, ...]:
    """Keep variant names matching one of the comma-separated globs (all if none given)."""
    if not pattern:
        return names
    patterns = [p.strip() for p in pattern.split(",") if p.strip()]
    return tuple(v for v in names if any(fnmatch.fnmatch(v, p) for p in patterns))


def validate(configs: list[Config]) -> None:
    """Raise ``ValueError`` on unknown variants or duplicate ids."""
    seen: set[str] = set()
    for c in configs:
        if c.id in seen:
            raise ValueError(f"duplicate configuration id {c.id!r}")
        seen.add(c.id)
        for v in (*c.variants, *c.skips):
            if v not in VARIANTS:
                raise ValueError(f"configuration {c.id!r}: unknown variant {v!r}")
        if min(c.n, c.features, c.x, c.y, c.epochs, c.repeats) < 1:
            raise ValueError(f"configuration {c.id!r}: sizes must be positive")
        if not c.threads or min(c.threads) < 1:
            raise ValueError(f"configuration {c.id!r}: threads must be positive, "
                             f"got {c.threads}")
