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
      epochs: num("epochs"), delay_ms: num("delay_ms"), seed: num("seed"),
    };
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
    $("message").textContent = last && last.status !== "error" ? last.message : "";

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
  }

  const pct = (v) => (typeof v === "number" ? (v * 100).toFixed(1) + "%" : "–");

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
        fmt(l.ratio_to_last, 2), units];
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
  $("dataset").addEventListener("change", function () {
    // Digits needs wider layers and has no noise setting; moons/spirals/blobs the usual small net.
    if ($("dataset").value === "digits" && $("hidden").value.trim() === "16, 16") $("hidden").value = "64";
    if ($("dataset").value !== "digits" && $("hidden").value.trim() === "64") $("hidden").value = "16, 16";
    $("noise").disabled = $("samples").disabled = $("dataset").value === "digits";
  });
  window.addEventListener("resize", draw);
  draw();
})();
