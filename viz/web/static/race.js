/* Optimizer race: contour map of a 2-D test function with each optimizer's path. */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const DEFAULT_LR = JSON.parse($("race-form").dataset.defaultLr);
  const COLORS = { sgd: "#e03131", momentum: "#f08c00", nesterov: "#8d5524", rmsprop: "#2f9e44",
    adagrad: "#9c36b5", adam: "#1c7ed6" };
  const DOCS = {
    rosenbrock: "(1 − x)² + 100 (y − x²)²: a long curved valley, minimum at (1, 1).",
    beale: "Beale's function: sharp ridges, minimum at (3, 0.5).",
    saddle: "x² + y⁴/4 − y²/2: a saddle at (0, 0), minima at (0, ±1).",
    quadratic: "(x − 1)² + 10 (y + 2)²: an elongated bowl, minimum at (1, −2).",
  };
  let result = null;

  for (const sw of document.querySelectorAll(".swatch")) sw.style.background = COLORS[sw.dataset.opt];

  function setDefaults() {
    const fn = $("fn").value;
    for (const input of document.querySelectorAll("input.lr")) input.value = DEFAULT_LR[fn][input.dataset.opt];
    $("fn-doc").textContent = DOCS[fn] || "";
  }

  async function run() {
    const optimizers = [];
    for (const box of document.querySelectorAll("input.opt")) {
      if (!box.checked) continue;
      const lr = Number(document.querySelector('input.lr[data-opt="' + box.value + '"]').value);
      optimizers.push({ name: box.value, lr: lr });
    }
    if (!optimizers.length) throw new Error("tick at least one optimizer");
    result = await api("/api/race", { fn: $("fn").value, optimizers: optimizers, steps: Number($("steps").value) });
    draw();
    table();
    $("race-canvas").dataset.fn = result.fn;  // tells a watcher (and the browser test) what is drawn
  }

  // pale yellow (low) -> light blue -> deep blue (high): paths in saturated colours stay visible
  const STOPS = [[255, 252, 232], [222, 242, 208], [188, 224, 238], [156, 190, 230], [140, 156, 212]];
  function colormap(t) {
    t = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
    const i = Math.min(STOPS.length - 2, Math.floor(t)), f = t - i;
    return STOPS[i].map((c, k) => c + (STOPS[i + 1][k] - c) * f);
  }

  function draw() {
    const canvas = $("race-canvas");
    const [ctx, W, H] = fitCanvas(canvas);
    if (!result) return;
    const m = { l: 62, r: 16, t: 12, b: 34 };
    const pw = Math.floor(W - m.l - m.r), ph = Math.floor(H - m.t - m.b);
    const [x0, x1, y0, y1] = result.box, n = result.grid, z = result.z;
    const [zlo, zhi] = result.zrange, LEVELS = 16;
    // Per screen pixel: bilinear z, colour band, and a contour line where the band changes.
    const band = new Int16Array(pw * ph), img = ctx.createImageData(pw, ph);
    const zAt = (gx, gy) => {
      const i = Math.min(n - 2, Math.floor(gy)), j = Math.min(n - 2, Math.floor(gx));
      const fy = gy - i, fx = gx - j;
      return (z[i * n + j] * (1 - fx) + z[i * n + j + 1] * fx) * (1 - fy) +
        (z[(i + 1) * n + j] * (1 - fx) + z[(i + 1) * n + j + 1] * fx) * fy;
    };
    for (let py = 0; py < ph; py++) for (let px = 0; px < pw; px++) {
      const v = zAt(px / (pw - 1) * (n - 1), (ph - 1 - py) / (ph - 1) * (n - 1));
      band[py * pw + px] = Math.floor((v - zlo) / (zhi - zlo + 1e-12) * LEVELS);
    }
    for (let py = 0; py < ph; py++) for (let px = 0; px < pw; px++) {
      const k = py * pw + px, b = band[k];
      const edge = (px > 0 && band[k - 1] !== b) || (py > 0 && band[k - pw] !== b);
      const c = colormap((b + 0.5) / LEVELS);
      const o = k * 4, dim = edge ? 0.72 : 1;
      img.data[o] = c[0] * dim; img.data[o + 1] = c[1] * dim; img.data[o + 2] = c[2] * dim; img.data[o + 3] = 255;
    }
    const tmp = document.createElement("canvas");
    tmp.width = pw; tmp.height = ph;
    tmp.getContext("2d").putImageData(img, 0, 0);
    ctx.drawImage(tmp, m.l, m.t);

    const X = (x) => m.l + (x - x0) / (x1 - x0) * pw;
    const Y = (y) => m.t + ph - (y - y0) / (y1 - y0) * ph;
    // axes
    ctx.strokeStyle = "#5f6b7a"; ctx.lineWidth = 1; ctx.strokeRect(m.l, m.t, pw, ph);
    ctx.fillStyle = "#5f6b7a"; ctx.font = "13px sans-serif";
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (let v = Math.ceil(x0 * 2) / 2; v <= x1 + 1e-9; v += 0.5) if (Number.isInteger(v) || x1 - x0 < 5) ctx.fillText(v, X(v), m.t + ph + 5);
    ctx.fillText("x", m.l + pw / 2, m.t + ph + 19);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (let v = Math.ceil(y0 * 2) / 2; v <= y1 + 1e-9; v += 0.5) if (Number.isInteger(v) || y1 - y0 < 5) ctx.fillText(v, m.l - 6, Y(v));
    ctx.fillText("y", m.l - 44, m.t + ph / 2);

    // paths, clipped to the plot
    ctx.save();
    ctx.beginPath(); ctx.rect(m.l, m.t, pw, ph); ctx.clip();
    for (const p of result.paths) {
      ctx.lineJoin = "round";
      ctx.beginPath();
      p.points.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
      ctx.strokeStyle = "rgba(255,255,255,0.9)"; ctx.lineWidth = 5.5; ctx.stroke();  // halo: readable on any band
      ctx.strokeStyle = COLORS[p.name]; ctx.lineWidth = 2.6; ctx.stroke();
      const [ex, ey] = p.points[p.points.length - 1];
      ctx.fillStyle = COLORS[p.name];
      ctx.beginPath(); ctx.arc(X(ex), Y(ey), 5, 0, 7); ctx.fill();
    }
    // start and minimum
    ctx.fillStyle = "#000";
    ctx.beginPath(); ctx.arc(X(result.start[0]), Y(result.start[1]), 6, 0, 7); ctx.fill();
    star(ctx, X(result.minimum[0]), Y(result.minimum[1]), 11);
    ctx.restore();

    // legend
    ctx.font = "14px sans-serif"; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    const lw = 150, lh = result.paths.length * 20 + 10, lx = m.l + pw - lw - 10, ly = m.t + 10;
    ctx.fillStyle = "rgba(255,255,255,0.88)"; ctx.fillRect(lx, ly, lw, lh);
    result.paths.forEach((p, i) => {
      ctx.strokeStyle = COLORS[p.name]; ctx.lineWidth = 3;
      ctx.beginPath(); ctx.moveTo(lx + 8, ly + 15 + i * 20); ctx.lineTo(lx + 34, ly + 15 + i * 20); ctx.stroke();
      ctx.fillStyle = "#1d2633"; ctx.fillText(p.name + (p.status === "diverged" ? " ✗" : ""), lx + 42, ly + 15 + i * 20);
    });
  }

  function star(ctx, x, y, r) {
    ctx.beginPath();
    for (let i = 0; i < 10; i++) {
      const a = -Math.PI / 2 + i * Math.PI / 5, rr = i % 2 ? r * 0.45 : r;
      ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
    }
    ctx.closePath();
    ctx.fillStyle = "#ffd43b"; ctx.fill(); ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5; ctx.stroke();
  }

  function table() {
    const body = document.querySelector("#race-table tbody");
    body.textContent = "";
    const sorted = result.paths.slice().sort((a, b) => (typeof a.final_loss === "number" ? a.final_loss : Infinity) -
      (typeof b.final_loss === "number" ? b.final_loss : Infinity));
    for (const p of sorted) {
      const tr = document.createElement("tr");
      const name = document.createElement("td");
      const dot = document.createElement("span");
      dot.className = "dot"; dot.style.background = COLORS[p.name];
      name.append(dot, p.name);
      tr.appendChild(name);
      for (const [text, cls] of [[String(p.lr), "num"], [fmt(p.final_loss), "num"], [fmt(p.distance), "num"],
        [p.status === "ok" ? "✓ " + (p.points.length - 1) + " steps" : "✗ diverged", p.status === "ok" ? "ok" : "bad"]]) {
        const td = document.createElement("td"); td.textContent = text; td.className = cls; tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  }

  $("fn").addEventListener("change", () => { setDefaults(); withBusy($("btn-race"), run); });
  $("race-form").addEventListener("submit", (ev) => { ev.preventDefault(); withBusy($("btn-race"), run); });
  window.addEventListener("resize", draw);
  setDefaults();
  withBusy($("btn-race"), run);
})();
