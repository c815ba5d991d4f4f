/* Training lab: start a run on the server, poll it, draw curves, boundary and gradient flow. */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 300;
  let job = null;          // current run id
  let epochs = [];         // every epoch received so far
  let points = null;       // the data set (2-D sets only)
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
    epochs = []; points = null; last = null;
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
    job = null; epochs = []; points = null; last = null;
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

  function hexToRgb(hex) {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  function drawBoundary() {
    const canvas = $("boundary");
    const twoD = !last || !!points || last.status === "starting";
    canvas.hidden = !twoD;
    $("boundary-note").hidden = twoD;
    if (!twoD) return;
    const [ctx, W, H] = fitCanvas(canvas);
    
    if (!points) return;
    const size = Math.min(W, H), ox = (W - size) / 2;
    const [bx0, bx1, by0, by1] = points.box;
    const sx = (x) => ox + (x - bx0) / (bx1 - bx0) * size;
    const sy = (y) => size - (y - by0) / (by1 - by0) * size;
    const b = last && last.boundary;
    if (b) {
      // One pixel per grid cell, blended from white to the winning class's colour by its probability.
      const n = b.n, img = ctx.createImageData(n, n);
      const rgb = CLASS_COLORS.map(hexToRgb);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        const k = i * n + j;
        let best = 0, bp = -1;
        for (let c = 0; c < b.probs.length; c++) if (b.probs[c][k] > bp) { bp = b.probs[c][k]; best = c; }
        const t = 0.12 + 0.33 * Math.max(0, (bp - 1 / b.probs.length) / (1 - 1 / b.probs.length));
        const o = ((n - 1 - i) * n + j) * 4;  // grid row 0 is the lowest y: flip for the screen
        img.data[o] = 255 + (rgb[best][0] - 255) * t;
        img.data[o + 1] = 255 + (rgb[best][1] - 255) * t;
        img.data[o + 2] = 255 + (rgb[best][2] - 255) * t;
        img.data[o + 3] = 255;
      }
      const tmp = document.createElement("canvas");
      tmp.width = n; tmp.height = n;
      tmp.getContext("2d").putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
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
