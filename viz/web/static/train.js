/* Training lab: start a run on the server, poll it, draw curves, boundary and gradient flow. */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 300;
  let job = null;          // current run id
  let epochs = [];         // every epoch received so far
  let points = null;       // the data set (2-D sets only)
  let gallery = null;      // a few test digits (digits only)
  let last = null;         // the latest snapshot
  let timer = null;
  const STORE = "tinygrad_edu.train";  // the running job survives switching tabs (this tab only)
  const KNOBS = JSON.parse($("optimizer").dataset.knobs);

  function settings() {
    const hidden = $("hidden").value.split(/[,\s]+/).filter(Boolean).map(Number);
    if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new Error("hidden layers: whole numbers like 16, 16");
    const num = (id) => {
      const v = Number($(id).value);
      if ($(id).value.trim() === "" || !Number.isFinite(v)) throw new Error(id.replace("_", " ") + ": give a number");
      return v;
    };
    return {
      dataset: $("dataset").value, samples: num("samples"), noise: num("noise"), hidden: hidden,
      activation: $("activation").value, init: $("init").value, batchnorm: $("batchnorm").checked,
      dropout: num("dropout"), optimizer: $("optimizer").value, lr: num("lr"), batch_size: num("batch_size"),
      epochs: num("epochs"), delay_ms: num("delay_ms"), seed: num("seed"), l1: num("l1"), l2: num("l2"),
      features: features(), knob: $("knob").value.trim() === "" ? null : num("knob"),
    };
  }

  function features() {
    const f = Array.from(document.querySelectorAll("input.feature:checked")).map((b) => b.value);
    if (!f.length && $("dataset").value !== "digits") throw new Error("features: tick at least one");
    return f.length ? f : ["x1", "x2"];
  }

  function showKnob() {
    const k = KNOBS[$("optimizer").value] || [null, null];
    $("knob-label").hidden = !k[0];
    $("knob-name").textContent = k[0] === "beta1" ? "β₁" : k[0] === "alpha" ? "α" : "momentum";
    $("knob").placeholder = k[1] === null ? "" : String(k[1]);
    $("knob").value = "";
  }

  function remember() {
    try {
      if (job) sessionStorage.setItem(STORE, job); else sessionStorage.removeItem(STORE);
    } catch (e) { /* private mode */ }
  }

  function setRunning(running) {
    $("btn-start").disabled = running;
    $("btn-stop").disabled = !running;
  }

  async function start() {
    const cfg = settings();
    if (job) await reset(true);
    const ans = await api("/api/train", cfg);
    job = ans.id;
    remember();
    epochs = []; points = null; gallery = null; last = null;
    setRunning(true);
    draw();
    poll();
  }

  async function poll() {
    clearTimeout(timer);
    if (!job) return;
    const id = job;
    let snap;
    try {
      snap = await api("/api/train/" + id + "?since=" + epochs.length);
    } catch (e) {
      showError(e.message);
      setRunning(false);
      if (/no such training run/.test(e.message)) { job = null; remember(); }
      return;
    }
    if (id !== job) return;  // reset meanwhile
    if (snap.points) points = snap.points;
    if (snap.gallery) gallery = snap.gallery;
    epochs = epochs.concat(snap.epochs);
    last = snap;
    draw();
    if (snap.status === "running" || snap.status === "starting") {
      timer = setTimeout(poll, POLL_MS);
    } else {
      setRunning(false);
      if (snap.status === "error") showError(snap.message);
    }
  }

  async function stop() {
    if (job) await api("/api/train/" + job + "/stop", {});
  }

  async function reset(quiet) {
    clearTimeout(timer);
    const id = job;
    job = null; epochs = []; points = null; gallery = null; last = null;
    remember();
    setRunning(false);
    if (id) { try { await api("/api/train/" + id + "/reset", {}); } catch (e) { if (!quiet) throw e; } }
    draw();
  }

  // ---------------------------------------------------------------- drawing
  function draw() {
    const status = last ? last.status : "idle";
    $("status").textContent = status;
    $("status").className = "badge " + status;
    const e = epochs[epochs.length - 1];
    $("epoch").textContent = e ? e.epoch : 0;
    $("epochs-total").textContent = last ? last.epochs_total : "–";
    $("cur-loss").textContent = e ? fmt(e.loss) : "–";
    $("train-acc").textContent = e ? pct(e.accuracy) : "–";
    $("val-acc").textContent = e ? pct(e.val_accuracy) : "–";
    $("val-acc").dataset.value = e && typeof e.val_accuracy === "number" ? e.val_accuracy : "";
    $("elapsed").textContent = last ? last.elapsed.toFixed(1) + " s" : "";
    let msg = last && last.status !== "error" ? last.message : "";
    if (last && last.partial) {
      msg += (msg ? " · " : "") + "epoch " + last.partial.epoch + " was stopped after " + last.partial.batches + " of " +
        last.partial.of + " batches (not plotted)";
    }
    $("message").textContent = msg;

    const curve = (key) => epochs.map((r) => [r.epoch, r[key]]);
    const xMax = last ? Math.max(10, Math.min(last.epochs_total, Math.ceil((epochs.length + 1) / 10) * 10)) : 10;
    lineChart($("loss-chart"), [
      { name: "train", color: "#1f6feb", points: curve("loss") },
      { name: "test", color: "#e8590c", points: curve("val_loss"), dash: true },
    ], { ylog: true, xMax: xMax, xLabel: "epoch" });
    lineChart($("acc-chart"), [
      { name: "train", color: "#1f6feb", points: curve("accuracy") },
      { name: "test", color: "#e8590c", points: curve("val_accuracy"), dash: true },
    ], { yMin: 0, yMax: 1, xMax: xMax, xLabel: "epoch", yFormat: (v) => Math.round(v * 100) + "%",
      legendBottom: true });
    $("loss-chart").dataset.points = epochs.length;
    $("acc-chart").dataset.points = epochs.length;
    drawBoundary();
    drawGradients(xMax);
    drawNeurons();
  }

  // ---------------------------------------------------------------- per-neuron view
  /** Inputs, each hidden unit (up to 8 per layer) and the output as small heat maps over the
   *  input plane, joined by lines whose thickness and colour show the weights. */
  function drawNeurons() {
    const canvas = $("neurons");
    const nv = last && last.neurons;
    $("neuron-card").hidden = !!gallery;
    const [ctx, W, H] = fitCanvas(canvas);
    canvas.dataset.units = nv ? nv.layers.reduce((a, l) => a + l.maps.length, 0) : 0;
    if (!nv) {
      ctx.fillStyle = "#5f6b7a"; ctx.font = "14px sans-serif"; ctx.textAlign = "center";
      ctx.fillText("Start a run on a 2-D data set to see every neuron.", W / 2, H / 2);
      return;
    }
    const cols = [nv.inputs.map((m, i) => ({ map: m, name: (points && points.features || [])[i] || "x" + (i + 1) }))];
    nv.layers.forEach((L, li) => cols.push(L.maps.map((m, j) => ({ map: m, name: "h" + (li + 1) + "." + (j + 1), range: L.range }))));
    const b = last.boundary;
    const outMap = b ? b.probs[1] || b.probs[0] : null;
    const maxRows = Math.max(...cols.map((c) => c.length), 1);
    const gap = 14, colW = (W - 20) / (cols.length + 1);
    const cell = Math.max(18, Math.min(64, (H - 16) / maxRows - gap, colW * 0.42));
    const pos = (c, r, n) => [10 + c * colW + (colW - cell) / 2, 8 + (H - 16 - n * (cell + gap)) / 2 + r * (cell + gap)];
    // weights first, under the maps
    nv.weights.forEach(function (w, k) {
      const from = cols[k], to = k + 1 < cols.length ? cols[k + 1] : null;
      const nTo = to ? to.length : 1;
      let wmax = 1e-9;
      w.forEach((row) => row.forEach((v) => { wmax = Math.max(wmax, Math.abs(v)); }));
      for (let j = 0; j < Math.min(nTo, w.length); j++) for (let i = 0; i < from.length && i < w[j].length; i++) {
        const [x0, y0] = pos(k, i, from.length), [x1, y1] = to ? pos(k + 1, j, nTo) : pos(k + 1, 0, 1);
        const v = w[j][i];
        ctx.strokeStyle = v < 0 ? "rgba(31,111,235,0.75)" : "rgba(232,89,12,0.75)";
        ctx.lineWidth = 0.4 + 4 * Math.abs(v) / wmax;
        ctx.beginPath(); ctx.moveTo(x0 + cell, y0 + cell / 2); ctx.lineTo(x1, y1 + cell / 2); ctx.stroke();
      }
    });
    cols.forEach(function (col, c) {
      col.forEach(function (u, r) {
        const [x, y] = pos(c, r, col.length);
        heat(ctx, u.map, nv.n, x, y, cell, u.range);
        ctx.fillStyle = "#1d2633"; ctx.font = "11px sans-serif"; ctx.textAlign = "center";
        ctx.fillText(u.name, x + cell / 2, y + cell + 11);
      });
    });
    if (outMap) {  // the output: P(class 1) on the fine grid, resampled
      const [x, y] = pos(cols.length, 0, 1);
      heat(ctx, outMap.map((p) => 2 * p - 1), b.n, x, y, cell, [-1, 1]);
      ctx.fillStyle = "#1d2633"; ctx.fillText("output", x + cell / 2, y + cell + 11);
    }
  }

  /** An n x n map (rows from the lowest y) as a blue (-) / white / orange (+) square. */
  function heat(ctx, map, n, x, y, size, range) {
    let s = 1e-9;
    if (range) s = Math.max(Math.abs(range[0]), Math.abs(range[1]), 1e-9);
    else for (const v of map) s = Math.max(s, Math.abs(v));
    const img = new ImageData(n, n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      const v = Math.max(-1, Math.min(1, map[r * n + c] / s)), o = ((n - 1 - r) * n + c) * 4;
      const [R, G, B] = v < 0 ? [255 + (31 - 255) * -v, 255 + (111 - 255) * -v, 255 + (235 - 255) * -v]
        : [255 + (232 - 255) * v, 255 + (89 - 255) * v, 255 + (12 - 255) * v];
      img.data[o] = R; img.data[o + 1] = G; img.data[o + 2] = B; img.data[o + 3] = 255;
    }
    const tmp = document.createElement("canvas");
    tmp.width = n; tmp.height = n;
    tmp.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tmp, x, y, size, size);
    ctx.strokeStyle = "#8a94a3"; ctx.lineWidth = 1; ctx.strokeRect(x, y, size, size);
  }

  const pct = (v) => (typeof v === "number" ? (v * 100).toFixed(1) + "%" : "–");
  /** A ratio with two significant digits at any size: 3.2e-4 must not print as 0.00. */
  const ratio = (v) => (typeof v !== "number" ? fmt(v) : v === 0 ? "0" : Math.abs(v) >= 0.01 && Math.abs(v) < 1e4
    ? String(+v.toPrecision(2)) : v.toExponential(1));

  function hexToRgb(hex) {  // '#1f6feb' -> [31, 111, 235]
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  function drawBoundary() {
    const canvas = $("boundary");
    $("boundary-title").hidden = !!gallery;
    $("gallery-title").hidden = !gallery;
    const [ctx, W, H] = fitCanvas(canvas);
    if (gallery) { drawGallery(ctx, W, H); return; }
    
    if (!points) return;
    const size = Math.min(W, H), ox = (W - size) / 2;
    const [bx0, bx1, by0, by1] = points.box;
    const sx = (x) => ox + (x - bx0) / (bx1 - bx0) * size;
    const sy = (y) => size - (y - by0) / (by1 - by0) * size;
    const b = last && last.boundary;
    if (b) {
      // Per screen pixel: bilinear probabilities from the n x n grid, the winning class's colour
      // blended from white by its confidence, and a dark line where the winner changes.
      const n = b.n, C = b.probs.length, px = Math.floor(size), img = ctx.createImageData(px, px);
      const rgb = CLASS_COLORS.map(hexToRgb);
      const win = new Int8Array(px * px);
      for (let py = 0; py < px; py++) for (let qx = 0; qx < px; qx++) {
        const gy = (px - 1 - py) / (px - 1) * (n - 1), gx = qx / (px - 1) * (n - 1);  // grid row 0 = lowest y
        const i = Math.min(n - 2, Math.floor(gy)), j = Math.min(n - 2, Math.floor(gx)), fy = gy - i, fx = gx - j;
        let best = 0, bp = -1;
        for (let c = 0; c < C; c++) {
          const P = b.probs[c];
          const v = (P[i * n + j] * (1 - fx) + P[i * n + j + 1] * fx) * (1 - fy) +
            (P[(i + 1) * n + j] * (1 - fx) + P[(i + 1) * n + j + 1] * fx) * fy;
          if (v > bp) { bp = v; best = c; }
        }
        const k = py * px + qx;
        win[k] = best;
        const edge = (qx > 0 && win[k - 1] !== best) || (py > 0 && win[k - px] !== best);
        const t = edge ? 0.9 : 0.12 + 0.33 * Math.max(0, (bp - 1 / C) / (1 - 1 / C));
        const o = k * 4;
        for (let ch = 0; ch < 3; ch++) img.data[o + ch] = edge ? 60 : 255 + (rgb[best][ch] - 255) * t;
        img.data[o + 3] = 255;
      }
      const tmp = document.createElement("canvas");  // drawImage (unlike putImageData) respects the DPR transform
      tmp.width = px; tmp.height = px;
      tmp.getContext("2d").putImageData(img, 0, 0);
      ctx.drawImage(tmp, ox, 0, size, size);
    }
    const dots = (xs, ys, ring) => {
      for (let i = 0; i < xs.length; i++) {
        ctx.beginPath(); ctx.arc(sx(xs[i][0]), sy(xs[i][1]), 4, 0, 7);
        ctx.fillStyle = CLASS_COLORS[ys[i] % CLASS_COLORS.length]; ctx.fill();
        ctx.lineWidth = ring ? 2 : 0.8; ctx.strokeStyle = ring ? "#111" : "#fff"; ctx.stroke();
      }
    };
    dots(points.x, points.y, false);
    dots(points.x_test, points.y_test, true);
    ctx.strokeStyle = "#8a94a3"; ctx.lineWidth = 1; ctx.strokeRect(ox, 0, size, size);
  }

  /** Test digits as 8x8 grey images, each with the network's current reading under it. */
  function drawGallery(ctx, W, H) {
    const cols = 6, rows = Math.ceil(gallery.images.length / cols), side = gallery.side;
    const cell = Math.min((W - 10) / cols, (H - 4) / rows), img = cell * 0.68, ox = (W - cols * cell) / 2;
    const pred = last && last.predicted;
    ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.font = "bold " + Math.round(cell * 0.22) + "px sans-serif";
    gallery.images.forEach((pixels, k) => {
      const x = ox + (k % cols) * cell + (cell - img) / 2, y = Math.floor(k / cols) * cell + 2, p = img / side;
      for (let i = 0; i < side * side; i++) {
        const v = Math.round(255 * (1 - pixels[i]));
        ctx.fillStyle = "rgb(" + v + "," + v + "," + v + ")";
        ctx.fillRect(x + (i % side) * p, y + Math.floor(i / side) * p, p + 0.5, p + 0.5);
      }
      ctx.strokeStyle = "#b8c1cc"; ctx.lineWidth = 1; ctx.strokeRect(x, y, img, img);
      if (pred) {
        const ok = pred[k] === gallery.labels[k];
        ctx.fillStyle = ok ? "#1a7f37" : "#c62828";
        ctx.fillText(ok ? String(pred[k]) : pred[k] + " ✗", x + img / 2, y + img + cell * 0.15);
      }
    });
  }

  const LAYER_COLORS = ["#1f6feb", "#e8590c", "#2f9e44", "#ae3ec9", "#c92a2a", "#0c8599", "#f08c00"];

  function drawGradients(xMax) {
    const layers = last ? last.layers : [];
    const series = layers.map((l, i) => ({
      name: l.type + " " + l.layer, color: LAYER_COLORS[i % LAYER_COLORS.length],
      points: epochs.map((r) => [r.epoch, r.grad_norms[i]]),
    }));
    lineChart($("grad-chart"), series.length ? series : [{ name: "no data yet", color: "#ccc", points: [] }],
      { ylog: true, xMax: xMax, xLabel: "epoch" });
    const body = document.querySelector("#layer-table tbody");
    body.textContent = "";
    for (const l of layers) {
      const tr = document.createElement("tr");
      // saturation matters for sigmoid/tanh, dead units for ReLU: one column shows whichever applies
      const units = l.saturated !== null ? pct(l.saturated) + " sat." : l.dead !== null ? pct(l.dead) + " dead" : "–";
      const cells = [l.type + " " + l.layer + (l.activation ? " · " + l.activation : ""), fmt(l.grad_norm),
        ratio(l.ratio_to_last), units];
      for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.appendChild(td); }
      const td = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = "verdict " + l.verdict; badge.textContent = l.verdict;
      td.appendChild(badge); tr.appendChild(td);
      body.appendChild(tr);
    }
  }

  // ---------------------------------------------------------------- wiring
  $("train-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    showError("");
    start().catch((e) => { showError(e.message); setRunning(false); });
  });
  $("btn-stop").addEventListener("click", () => stop().catch((e) => showError(e.message)));
  $("btn-reset").addEventListener("click", () => { showError(""); reset(false).catch((e) => showError(e.message)); });
  $("optimizer").addEventListener("change", showKnob);
  $("dataset").addEventListener("change", function () {
    // Digits needs wider layers and has no noise setting; moons/spirals/blobs the usual small net.
    if ($("dataset").value === "digits" && $("hidden").value.trim() === "16, 16") $("hidden").value = "64";
    if ($("dataset").value !== "digits" && $("hidden").value.trim() === "64") $("hidden").value = "16, 16";
    $("noise").disabled = $("samples").disabled = $("dataset").value === "digits";
    for (const b of document.querySelectorAll("input.feature")) b.disabled = $("dataset").value === "digits";
  });
  window.addEventListener("resize", draw);
  showKnob();
  draw();
  try {  // back from another tab: pick the run up again where it is
    const saved = sessionStorage.getItem(STORE);
    if (saved) { job = saved; setRunning(true); poll(); }
  } catch (e) { /* ignore */ }
})();
