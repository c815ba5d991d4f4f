/* A small line chart on a canvas: axes, grid, optional log y-axis, legend. No library needed. */
"use strict";

/**
 * series: [{name, color, points: [[x, y], ...], dash: bool}]
 * opts: {ylog, yMin, yMax, xMin, xMax, xLabel, yFormat(y) -> string, marker: x of a vertical line}
 * The legend is a row (or rows) above the plot, never over the curves.
 */
function lineChart(canvas, series, opts) {
  opts = opts || {};
  const [ctx, W, H] = fitCanvas(canvas);
  ctx.font = "13px sans-serif";
  // legend rows above the plot: lay the entries out first to know how much room they take
  const items = [];
  let lxPos = 62, lrow = 0;
  for (const s of series) {
    const w = ctx.measureText(s.name).width + 42;
    if (lxPos + w > W - 8 && lxPos > 62) { lrow++; lxPos = 62; }
    items.push({ s: s, x: lxPos, row: lrow });
    lxPos += w;
  }
  const legendH = series.length ? (lrow + 1) * 18 + 4 : 0;
  const m = { l: 62, r: 14, t: 10 + legendH, b: 38 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const tr = opts.ylog ? (y) => Math.log10(y) : (y) => y;
  const all = [];
  for (const s of series) for (const p of s.points) {
    if (typeof p[1] === "number" && isFinite(p[1]) && (!opts.ylog || p[1] > 0)) all.push(p);
  }
  let x0 = opts.xMin !== undefined ? opts.xMin : 0;
  let x1 = opts.xMax !== undefined ? opts.xMax : Math.max(1, ...all.map((p) => p[0]));
  let y0, y1;
  if (opts.yMin !== undefined && opts.yMax !== undefined) {
    [y0, y1] = [tr(opts.yMin), tr(opts.yMax)];
  } else if (all.length) {
    y0 = Math.min(...all.map((p) => tr(p[1])));
    y1 = Math.max(...all.map((p) => tr(p[1])));
    if (opts.ylog) { y0 = Math.floor(y0); y1 = Math.ceil(y1); }
  } else {
    [y0, y1] = opts.ylog ? [-3, 0] : [0, 1];
  }
  if (y1 - y0 < 1e-12) { y0 -= opts.ylog ? 1 : 0.5; y1 += opts.ylog ? 1 : 0.5; }
  if (x1 <= x0) x1 = x0 + 1;
  const X = (x) => m.l + (x - x0) / (x1 - x0) * pw;
  const Y = (y) => m.t + ph - (tr(y) - y0) / (y1 - y0) * ph;

  // grid and ticks
  ctx.font = "13px sans-serif";
  ctx.fillStyle = "#5f6b7a";
  ctx.strokeStyle = "#e3e7ed";
  ctx.lineWidth = 1;
  const yticks = [];
  if (opts.ylog) {
    const step = Math.max(1, Math.ceil((y1 - y0) / 6));
    for (let e = Math.ceil(y0); e <= y1 + 1e-9; e += step) yticks.push(Math.pow(10, e));
  } else {
    const raw = (y1 - y0) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw);
    for (let v = Math.ceil(y0 / step) * step; v <= y1 + 1e-9; v += step) yticks.push(v);
  }
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const v of yticks) {
    const y = Y(v);
    ctx.beginPath(); ctx.moveTo(m.l, y); ctx.lineTo(m.l + pw, y); ctx.stroke();
    const label = opts.yFormat ? opts.yFormat(v) : (opts.ylog ? "1e" + Math.round(Math.log10(v)) : +v.toFixed(3));
    ctx.fillText(label, m.l - 6, y);
  }
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  const xraw = (x1 - x0) / 6, xmag = Math.pow(10, Math.floor(Math.log10(xraw)));
  const xstep = [1, 2, 5, 10].map((k) => k * xmag).find((s) => s >= xraw);
  for (let v = Math.ceil(x0 / xstep) * xstep; v <= x1 + 1e-9; v += xstep) {
    ctx.fillText(+v.toFixed(6), X(v), m.t + ph + 5);
  }
  if (opts.xLabel) ctx.fillText(opts.xLabel, m.l + pw / 2, m.t + ph + 21);
  ctx.strokeStyle = "#8a94a3";
  ctx.strokeRect(m.l, m.t, pw, ph);

  // lines
  ctx.save();
  ctx.beginPath(); ctx.rect(m.l, m.t, pw, ph); ctx.clip();
  ctx.lineJoin = "round";
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = 2.5; ctx.setLineDash(s.dash ? [7, 5] : []);
    ctx.beginPath();
    let open = false;
    for (const [x, y] of s.points) {
      if (typeof y !== "number" || !isFinite(y) || (opts.ylog && y <= 0)) { open = false; continue; }
      if (open) ctx.lineTo(X(x), Y(y)); else ctx.moveTo(X(x), Y(y));
      open = true;
    }
    ctx.stroke();
    if (s.points.length === 1) {  // a single point is still visible
      const [x, y] = s.points[0];
      ctx.fillStyle = s.color; ctx.beginPath(); ctx.arc(X(x), Y(y), 3, 0, 7); ctx.fill();
    }
  }
  ctx.restore();
  ctx.setLineDash([]);

  if (opts.marker !== undefined && opts.marker >= x0 && opts.marker <= x1) {
    ctx.strokeStyle = "#5f6b7a"; ctx.lineWidth = 1; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(X(opts.marker), m.t); ctx.lineTo(X(opts.marker), m.t + ph); ctx.stroke();
    ctx.setLineDash([]);
  }
  // legend: the rows above the plot
  ctx.font = "13px sans-serif"; ctx.textAlign = "left"; ctx.textBaseline = "middle";
  for (const it of items) {
    const ly = 10 + it.row * 18 + 6;
    ctx.strokeStyle = it.s.color; ctx.lineWidth = 2.5; ctx.setLineDash(it.s.dash ? [5, 3] : []);
    ctx.beginPath(); ctx.moveTo(it.x, ly); ctx.lineTo(it.x + 24, ly); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#1d2633"; ctx.fillText(it.s.name, it.x + 30, ly);
  }
}
