"""The Mapper page: one self-contained HTML file that works offline.

Everything is inline (script, style, data); the page loads nothing and links nowhere. The
graphs travel as JSON in ``<script type="application/json" id="mapper-data">``, which
:func:`read_page_data` reads back. Drawing is on a ``<canvas>``: layers side by side or one at a
time, the links between consecutive layers, nodes sized by membership and coloured by label,
prediction, confidence or any per-sample array; hovering a node shows its size and label
counts, clicking lists its members (sample ids and, when given, short texts and thumbnails of
the inputs, embedded as PNG data).
"""

from __future__ import annotations

import html as _html
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..validation import as_numpy
from .layout import layout

__all__ = ["page_data", "read_page_data", "render", "save_html"]

_MAX_TEXT = 200


def _per_sample(values: Any, n: int, name: str) -> np.ndarray:
    a = as_numpy(values, name=name)
    if a.ndim != 1 or a.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},), one value per sample, got shape {a.shape}.")
    return a


def _png_base64(img: np.ndarray) -> str:
    """An (H, W) or (H, W, 3) image scaled to 0..255 as a base64 PNG (stdlib zlib and struct only)."""
    import base64
    import struct
    import zlib

    a = np.asarray(img, dtype=np.float64)
    lo, hi = float(a.min()), float(a.max())
    a = np.zeros_like(a) if hi <= lo else (a - lo) / (hi - lo)
    a = np.round(a * 255).astype(np.uint8)
    color = 2 if a.ndim == 3 else 0
    h, w = a.shape[:2]
    raw = b"".join(b"\x00" + a[r].tobytes() for r in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode("ascii")


def _thumbnails(images: Any, n: int) -> list:
    """One PNG per sample from (n, H, W), (n, H, W, 3|4) or (n, 1|3, H, W) arrays, at most 64 x 64."""
    a = as_numpy(images, name="images")
    if a.shape[0] != n or a.ndim not in (3, 4):
        raise ValueError(f"images must have shape ({n}, H, W), ({n}, H, W, C) or ({n}, C, H, W), got shape {a.shape}.")
    if a.ndim == 4 and a.shape[1] in (1, 3) and a.shape[-1] not in (1, 3, 4):
        a = np.moveaxis(a, 1, -1)
    if a.ndim == 4:
        a = a[..., 0] if a.shape[-1] == 1 else a[..., :3]
    if a.shape[1] > 64 or a.shape[2] > 64:
        raise ValueError(f"images must be thumbnails of at most 64 x 64 pixels, got {a.shape[1]} x {a.shape[2]}.")
    if not np.isfinite(a).all():
        raise ValueError("images must be finite.")
    return [_png_base64(x) for x in a]


def _plain_list(a: np.ndarray) -> list:
    if np.issubdtype(a.dtype, np.floating):
        return [None if not np.isfinite(x) else round(float(x), 6) for x in a]
    if np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
        return [int(x) for x in a]
    return [str(x) for x in a]


def page_data(flow: Any, *, labels: Any = None, color: Any = None, texts: Any = None,
              predictions: Any = None, images: Any = None, title: str = "Mapper") -> dict:
    """The JSON the page embeds: layers (nodes with members and positions, edges), links, per-sample arrays."""
    events: tuple = ()
    if hasattr(flow, "members") and hasattr(flow, "edges") and not hasattr(flow, "graphs"):  # one MapperGraph
        names, graphs, links, findings, summaries = ("graph",), (flow,), (), (), ()
    elif hasattr(flow, "graphs") and hasattr(flow, "links"):
        names, graphs, links = tuple(flow.layers), tuple(flow.graphs), tuple(flow.links)
        findings = tuple(getattr(flow, "findings", ()))
        summaries = tuple(s.to_dict() for s in getattr(flow, "summaries", ()))
        events = tuple(e.to_dict() for e in getattr(flow, "events", ()))
    else:
        raise TypeError(f"flow must be a MapperGraph or a MapperLayers, got {type(flow).__name__}.")
    n = graphs[0].n_samples
    arrays: dict[str, list] = {}
    lab = None
    if labels is not None:
        lab = np.asarray(labels)
        if lab.ndim != 1 or lab.shape[0] != n:
            raise ValueError(f"labels must have shape ({n},), got shape {lab.shape}.")
    preds = None
    if predictions is not None:
        preds = np.asarray(predictions)
        if preds.ndim != 1 or preds.shape[0] != n:
            raise ValueError(f"predictions must have shape ({n},), one per sample, got shape {preds.shape}.")
    if color is not None:
        if not isinstance(color, dict):
            color = {"value": color}
        for key, vals in color.items():
            arrays[str(key)] = _plain_list(_per_sample(vals, n, f"color[{key!r}]").astype(np.float64))
    text_list = None
    if texts is not None:
        if len(texts) != n:
            raise ValueError(f"texts must hold one short text per sample ({n}), got {len(texts)}.")
        text_list = [str(t)[:_MAX_TEXT] for t in texts]
    thumbs = None if images is None else _thumbnails(images, n)
    layers = []
    for name, g in zip(names, graphs):
        pos = layout(g)
        layers.append({
            "name": name,
            "nodes": [
                {"id": i, "members": m.tolist(), "x": round(float(pos[i, 0]), 4), "y": round(float(pos[i, 1]), 4),
                 "cube": list(g.cubes[i])}
                for i, m in enumerate(g.members)
            ],
            "edges": [[int(i), int(j), int(s)] for (i, j), s in zip(g.edges, g.shared)],
            "summary": {"nodes": g.n_nodes, "edges": g.n_edges, "components": g.n_components, "loops": g.n_loops,
                        "nerve_loops": g.nerve_loops},
        })
    link_lists = []
    for L in links:
        a, b = np.nonzero(L)
        link_lists.append([[int(i), int(j), int(L[i, j])] for i, j in zip(a, b)])
    return {
        "format": "tda_nn.MapperPage/1",
        "title": str(title),
        "n_samples": int(n),
        "layers": layers,
        "links": link_lists,
        "labels": None if lab is None else _plain_list(lab),
        "predictions": None if preds is None else _plain_list(preds),
        "arrays": arrays,
        "texts": text_list,
        "images": thumbs,
        "findings": list(findings),
        "summaries": list(summaries),
        "events": list(events),
    }


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:8px 14px;background:#fff;border-bottom:1px solid #ddd;display:flex;gap:14px;align-items:center;flex-wrap:wrap}
header h1{font-size:16px;margin:0 10px 0 0}
label{font-size:13px}
#wrap{display:flex}
#canvas{background:#fff;cursor:crosshair;flex:1}
#side{width:300px;border-left:1px solid #ddd;padding:8px 10px;font-size:12px;overflow:auto;background:#fff}
#tip{position:fixed;pointer-events:none;background:rgba(30,30,30,.9);color:#fff;font-size:12px;padding:5px 7px;
border-radius:4px;display:none;max-width:260px;white-space:pre-line}
#members li{font-family:monospace;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#findings li{margin-bottom:4px}
.legend span{display:inline-block;width:10px;height:10px;margin-right:3px;border-radius:50%}
"""

_JS = r"""
(function(){
const D = JSON.parse(document.getElementById('mapper-data').textContent);
const cv = document.getElementById('canvas'), ctx = cv.getContext('2d');
const tip = document.getElementById('tip');
const sel = {mode: document.getElementById('mode'), layer: document.getElementById('layer'),
  color: document.getElementById('color'), links: document.getElementById('links')};
const PAL = ['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f','#bcbd22','#17becf',
  '#393b79','#ad494a','#8ca252','#bd9e39','#a55194','#6b6ecf','#e7969c','#7b4173','#637939','#843c39'];
const RAMP = [[68,1,84],[59,82,139],[33,145,140],[94,201,98],[253,231,37]];
function ramp(t){ if(t===null||isNaN(t)) return '#cccccc'; t=Math.max(0,Math.min(1,t))*(RAMP.length-1);
  const i=Math.min(Math.floor(t),RAMP.length-2), f=t-i, a=RAMP[i], b=RAMP[i+1];
  return 'rgb('+a.map((v,k)=>Math.round(v+(b[k]-v)*f)).join(',')+')'; }
const classes = Array.from(new Set([].concat(D.labels||[], D.predictions||[]))).sort((a,b)=>a<b?-1:a>b?1:0);
function majority(vals, members){ const c=new Map(); members.forEach(m=>{const l=vals[m]; c.set(l,(c.get(l)||0)+1);});
  return Array.from(c.entries()).sort((a,b)=>b[1]-a[1]); }
const classIdx = new Map(classes.map((c,i)=>[c,i]));
D.layers.forEach((L,li)=>{ L.index = li; L.nodes.forEach(n=>{
  n.size = n.members.length;
  if (D.labels){ n.counts = majority(D.labels, n.members); n.major = n.counts[0][0]; }
  if (D.predictions){ n.pcounts = majority(D.predictions, n.members); n.pmajor = n.pcounts[0][0];
    if (D.labels){ let a=0; n.members.forEach(m=>{ if(D.predictions[m]===D.labels[m]) a++; }); n.agree = a/n.size; } }
  n.mean = {}; for (const k in D.arrays){ let s=0,c=0; n.members.forEach(m=>{const v=D.arrays[k][m]; if(v!==null){s+=+v;c++;}});
    n.mean[k] = c? s/c : null; }
}); });
const range = {}; for (const k in D.arrays){ let lo=Infinity, hi=-Infinity;
  D.layers.forEach(L=>L.nodes.forEach(n=>{const v=n.mean[k]; if(v!==null){lo=Math.min(lo,v);hi=Math.max(hi,v);}}));
  range[k]=[lo,hi]; }
const opts = []; if (D.labels) opts.push(['label','label (majority)']);
if (D.predictions) opts.push(['prediction','prediction (majority)']);
if (D.labels && D.predictions) opts.push(['agree','prediction agrees with label (share)']);
for (const k in D.arrays) opts.push([k, k+' (mean)']); opts.push(['size','size']);
opts.forEach(([v,t])=>{const o=document.createElement('option'); o.value=v; o.textContent=t; sel.color.appendChild(o);});
D.layers.forEach((L,i)=>{const o=document.createElement('option'); o.value=i; o.textContent=L.name; sel.layer.appendChild(o);});
let maxSize = 1; D.layers.forEach(L=>L.nodes.forEach(n=>{maxSize=Math.max(maxSize,n.size);}));
function nodeColor(n){ const k = sel.color.value;
  if (k==='label') return PAL[classIdx.get(n.major)%PAL.length];
  if (k==='size') return ramp(n.size/maxSize);
  if (k==='prediction') return PAL[classIdx.get(n.pmajor)%PAL.length];
  if (k==='agree') return ramp(n.agree);
  const [lo,hi]=range[k]; return ramp(hi>lo? (n.mean[k]-lo)/(hi-lo) : 0.5); }
let placed = [];
function draw(){
  const W = cv.clientWidth, H = cv.clientHeight, dpr = window.devicePixelRatio||1;
  cv.width = W*dpr; cv.height = H*dpr; ctx.setTransform(dpr,0,0,dpr,0,0); ctx.clearRect(0,0,W,H);
  const shown = sel.mode.value==='all' ? D.layers : [D.layers[+sel.layer.value]];
  const pad = 24, cw = W/shown.length; placed = [];
  shown.forEach((L,k)=>{ const x0=k*cw+pad, w=cw-2*pad, h=H-2*pad-16;
    ctx.fillStyle='#444'; ctx.font='13px sans-serif'; ctx.fillText(L.name+'  ('+L.summary.nodes+' nodes, '+
      L.summary.components+' comp., '+L.summary.loops+' graph loops, '+L.summary.nerve_loops+' in the nerve)', x0, 16);
    L.pos = L.nodes.map(n=>[x0+n.x*w, pad+16+(1-n.y)*h]); L.r = L.nodes.map(n=>3+9*Math.sqrt(n.size/maxSize)); });
  if (sel.links.checked && shown.length>1){ shown.forEach((L,k)=>{ if(k+1>=shown.length) return;
    const R = shown[k+1], lk = D.links[L.index]; if(!lk) return; let mx=1; lk.forEach(e=>{mx=Math.max(mx,e[2]);});
    lk.forEach(([a,b,c])=>{ ctx.strokeStyle='rgba(120,120,200,'+(0.05+0.5*c/mx)+')'; ctx.lineWidth=0.5+2*c/mx;
      ctx.beginPath(); ctx.moveTo(L.pos[a][0],L.pos[a][1]); ctx.lineTo(R.pos[b][0],R.pos[b][1]); ctx.stroke(); }); }); }
  shown.forEach(L=>{ ctx.strokeStyle='#999'; ctx.lineWidth=1;
    L.edges.forEach(([i,j])=>{ctx.beginPath(); ctx.moveTo(L.pos[i][0],L.pos[i][1]); ctx.lineTo(L.pos[j][0],L.pos[j][1]); ctx.stroke();});
    L.nodes.forEach((n,i)=>{ ctx.beginPath(); ctx.arc(L.pos[i][0],L.pos[i][1],L.r[i],0,2*Math.PI);
      ctx.fillStyle=nodeColor(n); ctx.fill(); ctx.strokeStyle='#333'; ctx.lineWidth=0.6; ctx.stroke();
      placed.push([L,i]); }); });
  legend(); }
function legend(){ const el=document.getElementById('legend'); el.innerHTML='';
  if (sel.color.value==='label' || sel.color.value==='prediction') classes.slice(0,30).forEach((c,i)=>{ const s=document.createElement('div');
    s.innerHTML='<span style="background:'+PAL[i%PAL.length]+'"></span>'+esc(String(c)); el.appendChild(s); });
  else if (range[sel.color.value]) el.textContent = sel.color.value+': '+range[sel.color.value].map(v=>(+v).toPrecision(3)).join(' to ');
}
function esc(s){ return s.replace(/[&<>"]/g, c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c])); }
function hit(ev){ const r=cv.getBoundingClientRect(), x=ev.clientX-r.left, y=ev.clientY-r.top; let best=null, bd=Infinity;
  placed.forEach(([L,i])=>{ const dx=L.pos[i][0]-x, dy=L.pos[i][1]-y, d=dx*dx+dy*dy; if(d<=Math.max(L.r[i],5)**2 && d<bd){bd=d;best=[L,i];} });
  return best; }
function describe(L,i){ const n=L.nodes[i]; let s=L.name+' node '+i+'\nsize '+n.size;
  if (n.counts) s += '\n'+n.counts.slice(0,8).map(([l,c])=>'class '+l+': '+c).join('\n');
  if (n.pcounts) s += '\npredicted: '+n.pcounts.slice(0,4).map(([l,c])=>l+' x'+c).join(', ');
  if (n.agree!==undefined) s += '\nprediction = label: '+Math.round(100*n.agree)+'%';
  for (const k in n.mean) if(n.mean[k]!==null) s += '\n'+k+' mean '+n.mean[k].toPrecision(3);
  return s; }
cv.addEventListener('mousemove', ev=>{ const h=hit(ev); if(!h){tip.style.display='none'; return;}
  tip.textContent=describe(h[0],h[1]); tip.style.display='block'; tip.style.left=(ev.clientX+12)+'px'; tip.style.top=(ev.clientY+12)+'px'; });
cv.addEventListener('mouseleave', ()=>{tip.style.display='none';});
cv.addEventListener('click', ev=>{ const h=hit(ev); if(!h) return; const [L,i]=h, n=L.nodes[i];
  document.getElementById('node').textContent=describe(L,i);
  const ul=document.getElementById('members'); ul.innerHTML='';
  n.members.slice(0,1000).forEach(m=>{ const li=document.createElement('li');
    if (D.images){ const im=document.createElement('img'); im.src='data:image/png;base64,'+D.images[m];
      im.width=24; im.height=24; im.style.imageRendering='pixelated'; im.style.marginRight='4px'; li.appendChild(im); }
    const t=document.createElement('span');
    t.textContent='#'+m+(D.labels?'  ['+D.labels[m]+']':'')+(D.predictions?' pred '+D.predictions[m]:'')+
      (D.texts?'  '+D.texts[m]:''); li.appendChild(t); ul.appendChild(li); });
  if (n.members.length>1000){ const li=document.createElement('li'); li.textContent='... '+(n.members.length-1000)+' more'; ul.appendChild(li); } });
const fl=document.getElementById('findings'); (D.findings||[]).forEach(f=>{const li=document.createElement('li'); li.textContent=f; fl.appendChild(li);});
Object.values(sel).forEach(e=>e.addEventListener('change', draw)); window.addEventListener('resize', draw);
if (D.layers.length<2){ sel.mode.value='one'; }
draw();
})();
"""


def render(data: dict) -> str:
    """The page's HTML for ``page_data(...)``."""
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False)
    # no '<' at all inside the script element: '</script>' or '<!--' in a text cannot end it early
    payload = payload.replace("<", "\\u003c")
    title = _html.escape(data.get("title", "Mapper"))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{title}</h1>"
        "<label>view <select id=\"mode\"><option value=\"all\">layers side by side</option>"
        "<option value=\"one\">one layer</option></select></label>"
        "<label>layer <select id=\"layer\"></select></label>"
        "<label>colour <select id=\"color\"></select></label>"
        "<label><input type=\"checkbox\" id=\"links\" checked> links between layers</label>"
        "<div id=\"legend\" class=\"legend\"></div></header>\n"
        "<div id=\"wrap\"><canvas id=\"canvas\" style=\"height:calc(100vh - 60px)\"></canvas>"
        "<div id=\"side\"><b>Findings</b><ul id=\"findings\"></ul><b>Node</b>"
        "<pre id=\"node\">click a node</pre><ul id=\"members\"></ul></div></div>\n"
        "<div id=\"tip\"></div>\n"
        f"<script type=\"application/json\" id=\"mapper-data\">{payload}</script>\n"
        f"<script>{_JS}</script>\n</body>\n</html>\n"
    )


def save_html(flow: Any, path: Any, *, labels: Any = None, color: Any = None, texts: Any = None,
              predictions: Any = None, images: Any = None, title: str = "Mapper") -> Path:
    """Write the offline page of a ``MapperGraph`` or ``MapperLayers`` to ``path`` (atomically).

    Parameters
    ----------
    flow : MapperGraph or MapperLayers
    path : str or Path
    labels : array-like of shape (n_samples,), optional
        Colours nodes by majority label; hover shows label counts.
    color : array-like of shape (n_samples,) or dict of name -> array, optional
        Per-sample values (confidence, loss, any score); a node shows their mean.
    texts : sequence of str, optional
        A short text per sample (cut at 200 characters), listed with the members of a clicked node.
    predictions : array-like of shape (n_samples,), optional
        Predicted labels: adds the colour "prediction agrees with label".
    images : array-like of shape (n_samples, H, W), (n_samples, H, W, C) or (n_samples, C, H, W), optional
        Thumbnails of the inputs (at most 64 x 64), embedded as PNG data and shown beside the
        members of a clicked node.

    Returns
    -------
    Path
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__}.")
    path = Path(path)
    text = render(page_data(flow, labels=labels, color=color, texts=texts, predictions=predictions, images=images,
                            title=title))
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_page_data(path_or_text: Any) -> dict:
    """The JSON embedded in a page written by :func:`save_html`."""
    text = str(path_or_text)
    if "<html" not in text[:500]:
        text = Path(path_or_text).read_text(encoding="utf-8")
    start_tag = '<script type="application/json" id="mapper-data">'
    a = text.find(start_tag)
    if a < 0:
        raise ValueError("path_or_text holds no Mapper page data (no mapper-data script).")
    a += len(start_tag)
    b = text.find("</script>", a)
    return json.loads(text[a:b])
