"""A report section you can point at: the H1 diagram as SVG, each loop's samples one click away.

Pure SVG and CSS, no script and no network fetch: hovering a point of the diagram
shows its bar, whether it is significant, and the samples of its representative
loop (the SVG ``<title>`` tooltip every browser shows); clicking a represented bar
jumps to its loop panel (the panel is highlighted with CSS ``:target``), and each
panel links back to its bar. A panel draws the loop on a 2-D view of the layer and
lists the samples in loop order with their labels and inputs (strings as text,
images as small inline PNG thumbnails).

**Size budget.** A section stays small enough to mail: the diagram shows at most
``max_points`` bars (the longest), each panel at most ``max_items`` samples and
thumbnails of at most 32 x 32 pixels, and the 2-D view at most ``max_view`` points;
a layer with 400 bars and 5 loops of 40 digit images is about 150 KB (test_cycles
checks a bound). The page is one self-contained file.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

__all__ = ["loops_html", "loops_page"]

_CSS = """
.tda-loops{font-family:sans-serif;font-size:13px;margin:1em 0}
.tda-loops .bar{fill:#1f77b4;opacity:.55}.tda-loops .bar.sig{fill:#d62728;opacity:.9}
.tda-loops a:hover .bar{stroke:#000;stroke-width:2}
.tda-loops .panel{border:1px solid #ccc;border-radius:4px;padding:6px;margin:8px 0;display:flex;gap:12px}
.tda-loops .panel:target{border-color:#d62728;box-shadow:0 0 6px #d62728}
.tda-loops ol{margin:0;padding-left:2.2em;max-height:260px;overflow:auto}
.tda-loops li{margin:1px 0}.tda-loops .thumb{vertical-align:middle;border:1px solid #ccc}
"""


def _f(x: float) -> str:
    return "inf" if np.isinf(x) else f"{x:.4g}"


def _png(gray: np.ndarray) -> bytes:
    """A grayscale uint8 image as PNG bytes (stdlib zlib only)."""
    import struct
    import zlib

    h, w = gray.shape
    raw = b"".join(b"\x00" + gray[i].tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _thumb(img: np.ndarray, px: int = 32) -> str:
    """A small grayscale thumbnail (at most 32 x 32 cells) as an inline PNG ``<img>``."""
    import base64

    a = np.asarray(img, dtype=float)
    if a.ndim == 3:  # (h, w, c) or (c, h, w): average the channels
        a = a.mean(axis=-1) if a.shape[-1] in (1, 3, 4) else a.mean(axis=0)
    if a.ndim == 1:
        side = int(round(np.sqrt(a.size)))
        a = a.reshape(side, -1) if side * side == a.size else a[None, :]
    h, w = a.shape
    sh, sw = max(1, int(np.ceil(h / 32))), max(1, int(np.ceil(w / 32)))
    a = a[: h - h % sh, : w - w % sw]
    a = a.reshape(a.shape[0] // sh, sh, a.shape[1] // sw, sw).mean(axis=(1, 3))
    lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
    g = np.zeros_like(a) if not hi > lo else (a - lo) / (hi - lo)
    b64 = base64.b64encode(_png((255 * (1 - g)).astype(np.uint8))).decode("ascii")
    scale = px / max(a.shape)
    return (f"<img class='thumb' alt='' width='{a.shape[1] * scale:.0f}' height='{a.shape[0] * scale:.0f}' "
            f"style='image-rendering:pixelated' src='data:image/png;base64,{b64}'>")


def _item(i: int, labels: Any, inputs: Any) -> str:
    e = html.escape
    parts = [f"<b>{i}</b>"]
    if labels is not None:
        parts.append(f"label {e(str(labels[i]))}")
    if inputs is not None:
        x = inputs[i]
        if isinstance(x, (str, bytes)):
            parts.append(f"&ldquo;{e(x if isinstance(x, str) else x.decode(errors='replace'))[:200]}&rdquo;")
        elif isinstance(x, tuple) and len(x) == 2 and all(isinstance(t, str) for t in x):
            parts.append(f"<i>{e(x[0])}</i> in &ldquo;{e(x[1])[:200]}&rdquo;")  # (token, sentence)
        elif isinstance(x, np.ndarray) and x.ndim >= 1 and x.size >= 4:
            parts.append(_thumb(x))
        else:
            parts.append(e(repr(x))[:80])
    return "<li>" + " &middot; ".join(parts) + "</li>"


def _view_svg(view: np.ndarray, loop: np.ndarray, size: int, max_view: int, seed: int = 0) -> str:
    n = len(view)
    show = np.arange(n) if n <= max_view else np.random.default_rng(seed).choice(n, max_view, replace=False)
    pts = view[np.r_[show, loop]]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = float(max(hi - lo)) or 1.0

    def xy(p: np.ndarray) -> tuple[float, float]:
        q = (p - lo) / span * (size - 16) + 8
        return float(q[0]), float(size - q[1])

    dots = "".join("M{:.0f} {:.0f}h0".format(*xy(view[i])) for i in show)  # round caps draw each as a dot
    path = " ".join("{:.1f},{:.1f}".format(*xy(view[i])) for i in np.r_[loop, loop[:1]])
    return (f"<svg width='{size}' height='{size}'><path d='{dots}' stroke='#bbb' stroke-width='3.2' "
            f"stroke-linecap='round'/><polyline points='{path}' fill='none' stroke='#d62728' "
            f"stroke-width='1.6'/></svg>")


def loops_html(
    cycles: Any,
    *,
    layer: str = "layer",
    diagram: Any = None,
    significant: Any = None,
    threshold: float | None = None,
    view: Any = None,
    labels: Any = None,
    inputs: Any = None,
    max_points: int = 400,
    max_items: int = 40,
    max_view: int = 600,
    size: int = 260,
) -> str:
    """One HTML section for a layer: the H1 diagram as SVG, linked to a panel per loop.

    Parameters
    ----------
    cycles : Cycles
        Representative loops (:func:`tda_nn.representative_cycles`).
    layer : str, default='layer'
        Name shown and used in the anchors (``#bar-<layer>-<k>``, ``#loop-<layer>-<k>``).
    diagram : array-like of shape (n_bars, 2) or None, default=None
        Every H1 bar to draw; ``None`` uses ``cycles.diagram``.
    significant : array-like of bool, shape (n_bars,), or None, default=None
        Which rows of ``diagram`` are significant (``SignificantBars.mask[1]``).
    threshold : float or None, default=None
        Alternatively, the lifetime a significant bar exceeds; drawn as a dashed line.
    view : array-like of shape (n_samples, 2) or None, default=None
        A 2-D view of the layer (e.g. its PCA) to draw each loop on.
    labels : array-like of shape (n_samples,) or None
    inputs : array of shape (n_samples, ...) or sequence of length n_samples, or None
        Images become thumbnails, strings text, ``(token, sentence)`` pairs both.
    max_points, max_items, max_view, size : int
        Size budget: bars drawn, samples listed per loop, view points, pixel size.

    Returns
    -------
    str
        An HTML fragment (``<section class="tda-loops">``) with its own ``<style>``;
        :func:`loops_page` wraps sections into a page.

    Examples
    --------
    >>> import numpy as np
    >>> from tda_nn.cycles import representative_cycles
    >>> t = np.linspace(0, 2 * np.pi, 16, endpoint=False) + 0.01 * np.arange(16) ** 2 / 256
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> s = loops_html(representative_cycles(X, bars=1, backend="ripser"), view=X, layer="in")
    >>> "href='#loop-in-0'" in s and "id='loop-in-0'" in s
    True
    """
    e = html.escape
    dgm = np.asarray(cycles.diagram if diagram is None else diagram, dtype=float).reshape(-1, 2)
    life = dgm[:, 1] - dgm[:, 0]
    if significant is not None:
        sig = np.asarray(significant, dtype=bool).reshape(-1)
        if sig.shape != (len(dgm),):
            raise ValueError(f"significant must be one bool per diagram row ({len(dgm)}), got shape {sig.shape}.")
    elif threshold is not None:
        sig = life > float(threshold)
    else:
        sig = None
    view = None if view is None else np.asarray(view, dtype=float)
    if view is not None and (view.ndim != 2 or view.shape[1] != 2):
        raise ValueError(f"view must be 2-D coordinates of shape (n_samples, 2), got shape {view.shape}.")
    aid = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(layer))
    # which diagram row each loop represents
    rep_of: dict[int, int] = {}
    for k, c in enumerate(cycles):
        d = np.abs(dgm[:, 0] - c.bar[0]) + np.where(np.isinf(dgm[:, 1]) & np.isinf(c.bar[1]), 0.0,
                                                    np.nan_to_num(np.abs(dgm[:, 1] - c.bar[1]), nan=np.inf))
        if len(d) and np.min(d) < 1e-6 * max(1.0, abs(c.bar[0])) + 1e-9:
            rep_of[int(np.argmin(d))] = k
    order = np.argsort(-life, kind="stable")[:max_points]
    keep = sorted(set(order.tolist()) | set(rep_of))
    fin = dgm[keep][np.isfinite(dgm[keep])]
    top = float(fin.max()) * 1.1 if fin.size else 1.0
    inf_y = top
    pad, S = 28, size

    def sx(v: float) -> float:
        return pad + v / top * (S - pad - 8)

    def sy(v: float) -> float:
        return S - pad - (min(v, inf_y) / top) * (S - pad - 8)

    marks = []
    for i in keep:
        b, d = dgm[i]
        is_sig = sig is not None and bool(sig[i])
        tip = f"H1 bar [{_f(b)}, {_f(d)}), lifetime {_f(d - b)}"
        if sig is not None:
            tip += ", significant" if is_sig else ", not significant"
        k = rep_of.get(i)
        if k is not None:
            idx = cycles[k].indices
            head = ", ".join(str(int(j)) + (f" ({labels[int(j)]})" if labels is not None else "") for j in idx[:12])
            tip += f"\nloop {k}: {len(idx)} samples: {head}{', ...' if len(idx) > 12 else ''}"
        circ = (f"<circle class='bar{' sig' if is_sig else ''}' cx='{sx(b):.1f}' cy='{sy(d):.1f}' "
                f"r='{5 if k is not None else 3}'><title>{e(tip)}</title></circle>")
        marks.append(f"<a id='bar-{aid}-{k}' href='#loop-{aid}-{k}'>{circ}</a>" if k is not None else circ)
    diag = f"<line x1='{sx(0):.1f}' y1='{sy(0):.1f}' x2='{sx(top):.1f}' y2='{sy(top):.1f}' stroke='#999'/>"
    thr = ""
    if threshold is not None:
        t = float(threshold)
        thr = (f"<line x1='{sx(0):.1f}' y1='{sy(t):.1f}' x2='{sx(top - t):.1f}' y2='{sy(top):.1f}' stroke='#d62728' "
               "stroke-dasharray='4 3'><title>significance threshold</title></line>")
    axes = (f"<text x='{S / 2:.0f}' y='{S - 6}' text-anchor='middle'>birth</text>"
            f"<text x='10' y='{S / 2:.0f}' transform='rotate(-90 10 {S / 2:.0f})' text-anchor='middle'>death</text>")
    svg = f"<svg width='{S}' height='{S}' role='img'>{diag}{thr}{''.join(marks)}{axes}</svg>"
    n_sig = "" if sig is None else f", {int(sig.sum())} significant"
    parts = [f"<section class='tda-loops'><style>{_CSS}</style>",
             f"<h3>{e(str(layer))}: H1 diagram ({len(dgm)} bars{n_sig}, {len(cycles)} loop"
             f"{'s' if len(cycles) != 1 else ''})</h3>", svg]
    for k, c in enumerate(cycles):
        idx = np.asarray(c.indices)
        items = "".join(_item(int(i), labels, inputs) for i in idx[:max_items])
        more = f"<p>... and {len(idx) - max_items} more samples</p>" if len(idx) > max_items else ""
        pic = _view_svg(view, idx, 200, max_view) if view is not None else ""
        parts.append(
            f"<div class='panel' id='loop-{aid}-{k}'>{pic}<div><b>loop {k}</b> of <a href='#bar-{aid}-{k}'>bar "
            f"[{_f(c.bar[0])}, {_f(c.bar[1])})</a>: {len(idx)} samples in loop order"
            f"{'' if c.certified else ' (not certified: tied edge lengths)'}"
            f"<ol data-samples='{' '.join(str(int(i)) for i in idx)}'>{items}</ol>{more}</div></div>")
    parts.append("</section>")
    return "".join(parts)


def loops_page(*sections: str, title: str = "Which inputs make the loop") -> str:
    """Wrap :func:`loops_html` sections into one self-contained HTML page (no external resources)."""
    e = html.escape
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{e(title)}</title></head><body><h2>{e(title)}</h2>{''.join(sections)}</body></html>")
