/* Pan and zoom an inline SVG inside a fixed-size box, and bring a node into view.
 *
 *   const pz = panZoom(box);      // box: an element holding one SVG drawing
 *   pz.fit();                     // whole drawing, but never below `minScale` (text stays readable)
 *   pz.follow(element);           // pan (keeping the zoom) so element's box is inside the view
 *
 * Drag to pan, wheel (or the + / - buttons) to zoom around the pointer, double-click to fit.
 * Works on the viewBox, so text stays sharp at every zoom. Scale 1 = Graphviz's own size.
 */
"use strict";

function panZoom(box, opts) {
  opts = opts || {};
  const minScale = opts.minScale || 0.9;  // px per point: below ~0.9 Graphviz's 11 pt labels are unreadable
  const maxScale = opts.maxScale || 1.5;
  const svg = box.querySelector("svg");
  const base = svg.viewBox.baseVal;
  const full = { x: base.x, y: base.y, w: base.width, h: base.height };
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.style.width = "100%";
  svg.style.height = "100%";
  svg.style.display = "block";
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  let view = Object.assign({}, full);

  function size() { return { w: box.clientWidth || 1, h: box.clientHeight || 1 }; }
  function scale() { const s = size(); return Math.min(s.w / view.w, s.h / view.h); }
  function apply() {
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
    box.dataset.scale = scale().toFixed(3);
  }
  function setScale(k, cx, cy) {
    // cx, cy: the drawing point kept under the pointer
    const s = size();
    k = Math.max(0.1, Math.min(6, k));
    const w = s.w / k, h = s.h / k;
    if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
    const fx = (cx - view.x) / view.w, fy = (cy - view.y) / view.h;
    view = { x: cx - fx * w, y: cy - fy * h, w: w, h: h };
    apply();
  }
  function fit() {
    const s = size();
    const k = Math.max(minScale, Math.min(maxScale, Math.min(s.w / full.w, s.h / full.h)));
    view = { x: full.x, y: full.y, w: s.w / k, h: s.h / k };
    // centre the drawing when it is smaller than the box
    view.x = full.x + (full.w - view.w) / 2;
    view.y = full.y + (full.h - view.h) / 2;
    apply();
  }
  function toDrawing(clientX, clientY) {
    const r = box.getBoundingClientRect(), s = size();
    const k = scale();
    // with "meet", the view is centred in the box
    const offX = (s.w - view.w * k) / 2, offY = (s.h - view.h * k) / 2;
    return [view.x + (clientX - r.left - offX) / k, view.y + (clientY - r.top - offY) / k];
  }
  function follow(el) {
    if (!el || !el.getBBox) return;
    const b = el.getBBox();
    const m = el.ownerSVGElement && el.ownerSVGElement.getElementById("graph0");
    // Graphviz puts everything in a translated group: getBBox is in that group's coordinates
    let tx = 0, ty = 0;
    if (m && m.transform && m.transform.baseVal.numberOfItems) {
      const t = m.transform.baseVal.consolidate().matrix;
      tx = t.e; ty = t.f;
    }
    const x0 = b.x + tx, y0 = b.y + ty, x1 = x0 + b.width, y1 = y0 + b.height, pad = 20;
    if (x0 >= view.x + pad && x1 <= view.x + view.w - pad && y0 >= view.y + pad && y1 <= view.y + view.h - pad) return;
    view.x = (x0 + x1) / 2 - view.w / 2;
    view.y = (y0 + y1) / 2 - view.h / 2;
    apply();
  }

  let drag = null;
  box.addEventListener("pointerdown", function (e) {
    if (e.button !== 0 || e.target.closest("button")) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    box.setPointerCapture(e.pointerId);
    box.classList.add("dragging");
  });
  box.addEventListener("pointermove", function (e) {
    if (!drag) return;
    const k = scale();
    view.x = drag.vx - (e.clientX - drag.x) / k;
    view.y = drag.vy - (e.clientY - drag.y) / k;
    apply();
  });
  const end = function () { drag = null; box.classList.remove("dragging"); };
  box.addEventListener("pointerup", end);
  box.addEventListener("pointercancel", end);
  box.addEventListener("wheel", function (e) {
    e.preventDefault();
    const p = toDrawing(e.clientX, e.clientY);
    setScale(scale() * Math.exp(-e.deltaY * 0.0015), p[0], p[1]);
  }, { passive: false });
  box.addEventListener("dblclick", fit);
  window.addEventListener("resize", function () { setScale(scale()); });

  fit();
  return {
    fit: fit, follow: follow, scale: scale,
    zoomIn: function () { setScale(scale() * 1.25); },
    zoomOut: function () { setScale(scale() / 1.25); },
    reset: function () { setScale(1); },
  };
}
