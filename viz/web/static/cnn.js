/* CNN lab: train the digits CNN, then look inside: kernels, feature maps, one convolution
 * animated window by window, and how max-pooling routes the gradient. */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  let job = null, epochs = [], digits = null, last = null, timer = null;
  let chosen = 0, view = null;          // the inspected digit and its answer
  let convPos = 0, convTimer = null;
  const STORE = "tinygrad_edu.cnn";

  // ------------------------------------------------------------------ run control
  function settings() {
    const num = (id) => { const v = Number($(id).value); if (!Number.isFinite(v)) throw new Error(id + ": give a number"); return v; };
    return { channels: num("channels"), epochs: num("epochs"), lr: num("lr"), delay_ms: num("delay_ms") };
  }
  function setRunning(r) { $("btn-start").disabled = r; $("btn-stop").disabled = !r; }
  function remember() { try { job ? sessionStorage.setItem(STORE, job) : sessionStorage.removeItem(STORE); } catch (e) { /* */ } }

  async function start() {
    const cfg = settings();
    if (job) await reset(true);
    const ans = await api("/api/cnn", cfg);
    job = ans.id; epochs = []; digits = null; last = null; view = null;
    remember(); setRunning(true); draw(); poll();
  }
  async function poll() {
    clearTimeout(timer);
    if (!job) return;
    const id = job;
    let snap;
    try { snap = await api("/api/cnn/" + id + "?since=" + epochs.length); } catch (e) {
      showError(e.message); setRunning(false);
      if (/no such/.test(e.message)) { job = null; remember(); }
      return;
    }
    if (id !== job) return;
    const grew = snap.epochs.length > 0;
    epochs = epochs.concat(snap.epochs);
    if (snap.digits) { digits = snap.digits; picker(); }
    last = snap;
    draw();
    if ((grew || !view) && digits) inspect(chosen);
    if (snap.status === "running" || snap.status === "starting") timer = setTimeout(poll, 400);
    else { setRunning(false); if (snap.status === "error") showError(snap.message); }
  }
  async function reset(quiet) {
    clearTimeout(timer);
    const id = job;
    job = null; epochs = []; digits = null; last = null; view = null;
    remember(); setRunning(false);
    $("digit-pick").textContent = "";
    if (id) { try { await api("/api/train/" + id + "/reset", {}); } catch (e) { if (!quiet) throw e; } }
    draw();
  }
  async function inspect(i) {
    if (!job) return;
    chosen = i;
    for (const c of $("digit-pick").children) c.classList.toggle("active", Number(c.dataset.index) === i);
    try { view = await api("/api/cnn/" + job + "/inspect", { index: i }); } catch (e) { showError(e.message); return; }
    channels();
    drawMaps(); drawConv(); drawPool();
    const ok = view.predicted === view.label;
    $("prediction").innerHTML = "";
    $("prediction").append("digit " + view.label + " → network reads ");
    const b = document.createElement("b");
    b.textContent = view.predicted + (ok ? " ✓" : " ✗");
    b.className = ok ? "ok" : "bad";
    $("prediction").append(b, " (" + (view.probs[view.predicted] * 100).toFixed(0) + "%)");
  }

  // ------------------------------------------------------------------ drawing helpers
  /** A matrix as coloured cells: grey for images (0..1), blue/white/orange for signed values. */
  function grid(ctx, m, x, y, cell, opts) {
    opts = opts || {};
    const rows = m.length, cols = m[0].length;
    let s = 1e-9;
    for (const r of m) for (const v of r) s = Math.max(s, Math.abs(v));
    if (opts.scale) s = opts.scale;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
      const v = m[i][j];
      let col;
      if (opts.grey) { const g = Math.round(255 * (1 - Math.max(0, Math.min(1, v)))); col = "rgb(" + g + "," + g + "," + g + ")"; }
      else {
        const t = Math.max(-1, Math.min(1, v / s));
        col = t < 0 ? "rgb(" + (255 + 224 * t) + "," + (255 + 144 * t) + "," + (255 + 20 * t) + ")"
          : "rgb(" + (255 - 23 * t) + "," + (255 - 166 * t) + "," + (255 - 243 * t) + ")";
        if (opts.zeroGrey && v === 0) col = "#f1f3f5";
      }
      ctx.fillStyle = col;
      ctx.fillRect(x + j * cell, y + i * cell, cell, cell);
      if (opts.numbers && cell >= 22) {
        ctx.fillStyle = opts.grey && v > 0.55 ? "#fff" : "#1d2633";
        ctx.font = Math.min(12, cell * 0.36) + "px monospace"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.fillText(v === 0 ? "0" : Math.abs(v) < 10 ? v.toFixed(opts.digits === undefined ? 1 : opts.digits) : v.toFixed(0),
          x + j * cell + cell / 2, y + i * cell + cell / 2);
      }
    }
    ctx.strokeStyle = "#8a94a3"; ctx.lineWidth = 1; ctx.strokeRect(x, y, cols * cell, rows * cell);
  }
  function label(ctx, text, x, y) {
    ctx.fillStyle = "#1d2633"; ctx.font = "12px sans-serif"; ctx.textAlign = "left"; ctx.textBaseline = "bottom";
    ctx.fillText(text, x, y - 3);
  }
  function channels() {
    for (const id of ["conv-channel", "pool-channel"]) {
      const sel = $(id), n = view.kernels.length;
      if (sel.options.length === n) continue;
      sel.textContent = "";
      for (let c = 0; c < n; c++) { const o = document.createElement("option"); o.value = c; o.textContent = c + 1; sel.appendChild(o); }
    }
  }

  // ------------------------------------------------------------------ pictures
  function draw() {
    const status = last ? last.status : "idle";
    $("status").textContent = status; $("status").className = "badge " + status;
    const e = epochs[epochs.length - 1];
    $("epoch").textContent = e ? e.epoch : 0;
    $("epochs-total").textContent = last ? last.epochs_total : "–";
    $("val-acc").textContent = e ? (e.val_accuracy * 100).toFixed(1) + "%" : "–";
    $("message").textContent = last && last.status !== "error" ? last.message : "";
    lineChart($("cnn-chart"), [
      { name: "train", color: "#1f6feb", points: epochs.map((r) => [r.epoch, r.accuracy]) },
      { name: "test", color: "#e8590c", points: epochs.map((r) => [r.epoch, r.val_accuracy]), dash: true },
    ], { yMin: 0, yMax: 1, xMax: last ? last.epochs_total : 10, xLabel: "epoch", yFormat: (v) => Math.round(v * 100) + "%" });
    $("cnn-chart").dataset.points = epochs.length;
    drawKernels();
  }
  function drawKernels() {
    const canvas = $("kernels");
    const [ctx, W, H] = fitCanvas(canvas);
    const k = last && last.kernels;
    canvas.dataset.channels = k ? k.length : 0;
    if (!k) return;
    let s = 1e-9;
    k.forEach((m) => m.forEach((r) => r.forEach((v) => { s = Math.max(s, Math.abs(v)); })));
    const cell = Math.min((W - 20) / (k.length * 3.6), (H - 40) / 3);
    k.forEach((m, c) => {
      const x = 10 + c * cell * 3.6, y = 28;
      grid(ctx, m, x, y, cell, { scale: s, numbers: true, digits: 2 });
      label(ctx, "channel " + (c + 1), x, y);
    });
  }
  function drawMaps() {
    const canvas = $("maps");
    if (!view) { fitCanvas(canvas); return; }
    const W = canvas.clientWidth;
    const C = view.kernels.length, cell = Math.max(4, Math.min(14, (W - 40) / (C * 2 * 8 + 8 + 4 * C + 2)));
    const rowH = 8 * cell + 30;
    canvas.style.height = (20 + 3 * rowH) + "px";
    const [ctx2] = fitCanvas(canvas);
    grid(ctx2, view.image, 10, 30, cell, { grey: true });
    label(ctx2, "input", 10, 30);
    for (let c = 0; c < C; c++) {
      const x = 20 + 8 * cell + c * (8 * cell + 14);
      grid(ctx2, view.z[c], x, 30, cell);
      label(ctx2, "z" + (c + 1), x, 30);
      grid(ctx2, view.r[c], x, 30 + rowH, cell, { zeroGrey: true });
      label(ctx2, "r" + (c + 1) + " = relu", x, 30 + rowH);
      grid(ctx2, view.p[c], x, 30 + 2 * rowH, cell * 2, { zeroGrey: true });
      label(ctx2, "p" + (c + 1) + " = pool", x, 30 + 2 * rowH);
    }
    canvas.dataset.ready = "1";
  }

  /** The 3x3 window at output position pos (row-major over 8x8) on the zero-padded input. */
  function drawConv() {
    const canvas = $("conv-anim");
    const [ctx, W, H] = fitCanvas(canvas);
    if (!view) return;
    const c = Number($("conv-channel").value || 0), k = view.kernels[c], b = view.bias[c];
    const pad = [];
    for (let i = 0; i < 10; i++) { pad.push([]); for (let j = 0; j < 10; j++) pad[i].push(i && j && i < 9 && j < 9 ? view.image[i - 1][j - 1] : 0); }
    const cell = Math.min((W - 60) / 23, (H - 40) / 10, 30), y0 = 26;
    const pi = Math.floor(convPos / 8), pj = convPos % 8;
    grid(ctx, pad, 10, y0, cell, { grey: true });
    label(ctx, "padded input", 10, y0);
    ctx.strokeStyle = "#d62728"; ctx.lineWidth = 3; ctx.strokeRect(10 + pj * cell, y0 + pi * cell, 3 * cell, 3 * cell);
    const kx = 10 + 10.8 * cell;
    grid(ctx, k, kx, y0, cell, { numbers: true, digits: 2 });
    label(ctx, "kernel " + (c + 1), kx, y0);
    const ox = kx + 4 * cell;
    const partial = view.z[c].map((row, i) => row.map((v, j) => (i * 8 + j <= convPos ? v : 0)));
    grid(ctx, partial, ox, y0, cell, { scale: Math.max(...view.z[c].flat().map(Math.abs), 1e-9), zeroGrey: true });
    label(ctx, "output z" + (c + 1), ox, y0);
    ctx.strokeStyle = "#d62728"; ctx.lineWidth = 3; ctx.strokeRect(ox + pj * cell, y0 + pi * cell, cell, cell);
    let sum = 0;
    const terms = [];
    for (let a = 0; a < 3; a++) for (let d = 0; d < 3; d++) {
      const v = pad[pi + a][pj + d];
      sum += v * k[a][d];
      if (v !== 0) terms.push(v.toFixed(2) + "·" + k[a][d].toFixed(2));
    }
    $("conv-explain").textContent = "z[" + pi + "][" + pj + "] = Σ window × kernel + b = " +
      (terms.length ? terms.slice(0, 4).join(" + ") + (terms.length > 4 ? " + …" : "") : "0") + " + " + b.toFixed(2) +
      " = " + (sum + b).toFixed(3);
    canvas.dataset.pos = convPos;
    $("conv-scrub").value = convPos;
  }
  function playConv() {
    if (convTimer) { clearInterval(convTimer); convTimer = null; $("btn-conv").textContent = "▶ Play"; return; }
    if (convPos >= 63) convPos = 0;
    $("btn-conv").textContent = "❚❚ Pause";
    convTimer = setInterval(function () {
      convPos++;
      if (convPos >= 63) { convPos = 63; clearInterval(convTimer); convTimer = null; $("btn-conv").textContent = "▶ Play"; }
      drawConv();
    }, 160);
  }

  function drawPool() {
    const canvas = $("pool-route");
    const [ctx, W, H] = fitCanvas(canvas);
    if (!view) return;
    const c = Number($("pool-channel").value || 0);
    const cell = Math.min((W - 40) / 26, (H - 60) / 17, 18);
    const r = view.r[c], gp = view.grad_p[c], gr = view.grad_r[c];
    const ax = 10, ay = 26, bx = ax + 9 * cell, gx = 10, gy = ay + 9 * cell + 24, hx = gx + 9 * cell + 6 * cell;
    grid(ctx, r, ax, ay, cell, { zeroGrey: true });
    label(ctx, "r (ReLU output)", ax, ay);
    grid(ctx, view.p[c], bx, ay, cell * 2, { zeroGrey: true });
    label(ctx, "p = max of each 2×2", bx, ay);
    grid(ctx, gp, gx + 2 * cell, gy, cell * 2);
    label(ctx, "dL/dp", gx + 2 * cell, gy);
    grid(ctx, gr, hx, gy, cell, { zeroGrey: true });
    label(ctx, "dL/dr (routed)", hx, gy);
    let routed = 0;
    ctx.lineWidth = 1.5;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
      ctx.strokeStyle = "#495057"; ctx.strokeRect(ax + 2 * j * cell, ay + 2 * i * cell, 2 * cell, 2 * cell);
      ctx.strokeRect(hx + 2 * j * cell, gy + 2 * i * cell, 2 * cell, 2 * cell);
      // the winner: the first maximum of the window (as the engine's max-pool)
      let best = -Infinity, bi = 0, bj = 0;
      for (let a = 0; a < 2; a++) for (let d = 0; d < 2; d++) if (r[2 * i + a][2 * j + d] > best) { best = r[2 * i + a][2 * j + d]; bi = 2 * i + a; bj = 2 * j + d; }
      ctx.strokeStyle = "#d62728"; ctx.lineWidth = 2.5;
      ctx.strokeRect(ax + bj * cell + 1, ay + bi * cell + 1, cell - 2, cell - 2);
      ctx.lineWidth = 1.5;
      if (gr[bi][bj] !== 0) {
        routed++;
        ctx.strokeStyle = "rgba(214,39,40,0.55)";
        ctx.beginPath();
        ctx.moveTo(gx + 2 * cell + (2 * j + 1) * cell, gy + (2 * i + 1) * cell);
        ctx.lineTo(hx + bj * cell + cell / 2, gy + bi * cell + cell / 2);
        ctx.stroke();
      }
    }
    canvas.dataset.routed = routed;
  }

  function picker() {
    const box = $("digit-pick");
    box.textContent = "";
    digits.images.forEach(function (img, i) {
      const cv = document.createElement("canvas");
      cv.width = 8; cv.height = 8; cv.dataset.index = i; cv.title = "digit " + digits.labels[i];
      const ctx = cv.getContext("2d");
      img.forEach((row, a) => row.forEach((v, b) => {
        const g = Math.round(255 * (1 - v)); ctx.fillStyle = "rgb(" + g + "," + g + "," + g + ")"; ctx.fillRect(b, a, 1, 1);
      }));
      cv.addEventListener("click", () => inspect(i));
      box.appendChild(cv);
    });
  }

  // ------------------------------------------------------------------ wiring
  $("cnn-form").addEventListener("submit", (ev) => { ev.preventDefault(); showError(""); start().catch((e) => { showError(e.message); setRunning(false); }); });
  $("btn-stop").addEventListener("click", () => { if (job) api("/api/train/" + job + "/stop", {}).catch((e) => showError(e.message)); });
  $("btn-reset").addEventListener("click", () => reset(false).catch((e) => showError(e.message)));
  $("btn-conv").addEventListener("click", playConv);
  $("conv-scrub").addEventListener("input", () => { convPos = Number($("conv-scrub").value); drawConv(); });
  $("conv-channel").addEventListener("change", drawConv);
  $("pool-channel").addEventListener("change", drawPool);
  window.addEventListener("resize", () => { draw(); drawMaps(); drawConv(); drawPool(); });
  draw();
  try { const saved = sessionStorage.getItem(STORE); if (saved) { job = saved; setRunning(true); poll(); } } catch (e) { /* */ }
})();
