"""Small trained maps for the plotting tests; every figure is closed after each test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402


def _groups() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    centres = torch.tensor([[3.0, 0, 0, 0], [0, 3.0, 0, 0], [0, 0, 3.0, 0]])
    data = torch.cat([c + 0.2 * torch.randn(20, 4, generator=gen) for c in centres])
    return data, torch.arange(3).repeat_interleave(20)


def _trained(topology: str):
    from torchsom import SOM

    data, _ = _groups()
    som = SOM(x=6, y=5, num_features=4, epochs=8, batch_size=8, sigma=1.5, topology=topology,
              initialization_mode="pca", random_seed=0, device="cpu")
    som.initialize_weights(data, mode="pca")
    som.fit(data, verbose=False)
    return som


@pytest.fixture(scope="session")
def groups() -> tuple[torch.Tensor, torch.Tensor]:
    """60 samples (4 features) in three groups, and class ids 0, 1, 2."""
    return _groups()


@pytest.fixture(scope="session")
def rect_som():
    return _trained("rectangular")


@pytest.fixture(scope="session")
def hex_som():
    return _trained("hexagonal")


@pytest.fixture(params=["rectangular", "hexagonal"])
def any_som(request, rect_som, hex_som):
    return rect_som if request.param == "rectangular" else hex_som


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def drawn_text_boxes(fig) -> list[tuple[str, object]]:
    """``(text, window extent)`` of every non-empty text the Agg renderer really draws.

    The renderer's ``draw_text`` is wrapped, so texts that are hidden or outside the view
    (e.g. ticks beyond the axis limits) are not counted.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    drawn: list = []
    original = renderer.draw_text

    def spy(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if mtext is not None and all(mtext is not seen for seen in drawn):
            drawn.append(mtext)
        return original(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    renderer.draw_text = spy
    fig.draw(renderer)
    return [(t.get_text(), t.get_window_extent(renderer)) for t in drawn
            if t.get_text().strip()]


def overlapping_texts(fig, tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap by more than ``tolerance`` pixels."""
    boxes = drawn_text_boxes(fig)
    pairs = []
    for i, (text_a, a) in enumerate(boxes):
        for text_b, b in boxes[i + 1:]:
            width = min(a.x1, b.x1) - max(a.x0, b.x0)
            height = min(a.y1, b.y1) - max(a.y0, b.y0)
            if width > tolerance and height > tolerance:
                pairs.append((text_a, text_b))
    return pairs


@pytest.fixture
def text_overlaps():
    """``text_overlaps(fig)``: the pairs of drawn texts that overlap (empty when none)."""
    return overlapping_texts


@pytest.fixture
def text_boxes():
    """``text_boxes(fig)``: ``(text, extent)`` of every drawn text."""
    return drawn_text_boxes
