/* Optimizer race: animated paths on a contour map, per-optimizer toggles, live lr / beta sliders,
 * and the loss of each path per step. */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const OPTIONS = JSON.parse($("race-form").dataset.options);
  const PALETTE = ["#e03131", "#f08c00", "#8d5524", "#9c36b5", "#2f9e44", "#1c7ed6", "#0c8599", "#5c7cfa", "#495057"];
  const COLORS = {};
  Object.keys(OPTIONS.optimizers).forEach((n, i) => { COLORS[n] = PALETTE[i % PALETTE.length]; });
  let result = null;        // {fn, box, grid, z, zrange, start, minimum, steps}
  const paths = {};          // name -> path answer
  let step = 0, playing = false, lastTick = 0, contour = null;

  for (const sw of document.querySelectorAll(".swatch")) sw.style.background = COLORS[sw.dataset.opt];
  const lrInput = (n) => document.querySelector('input.lr[data-opt="' + n + '"]');
  const knobInput = (n) => document.querySelector('input.knob[data-opt="' + n + '"]');
  const shown = (n) => document.querySelector('input.opt[value="' + n + '"]').checked;
  const lrOf = (n) => +Math.pow(10, Number(lrInput(n).value)).toPrecision(2);

  function showLr(n) {
    document.querySelector('output.lr-out[data-opt="' + n + '"]').textContent = lrOf(n);
    const k = knobInput(n);
    if (k) document.querySelector('output.knob-out[data-opt="' + n + '"]').textContent = Number(k.value).toFixed(2);
  }
  function setDefaults() {
    const fn = $("fn").value;
    for (const n of Object.keys(OPTIONS.optimizers)) {
      const o = OPTIONS.optimizers[n];
      lrInput(n).value = Math.log10(o.lr[fn]);
      if (knobInput(n)) knobInput(n).value = o.knob_default;
      showLr(n);
    }
    $("fn-doc").textContent = OPTIONS.docs[fn] || "";
  }
  function entry(n) {
    const e = { name: n, lr: lrOf(n) };
    if (knobInput(n)) e.knob = Number(knobInput(n).value);
    return e;
  }

  async function raceAll() {
    const names = Object.keys(OPTIONS.optimizers).filter(shown);
    if (!names.length) throw new Error("tick at least one optimizer");
    const ans = await api("/api/race", { fn: $("fn").value, optimizers: names.map(entry), steps: Number($("steps").value) });
    for (const k of Object.keys(paths)) delete paths[k];
    for (const p of ans.paths) paths[p.name] = p;
    result = ans;
    contour = null;
    $("scrub").max = ans.steps;
    $("race-canvas").dataset.fn = ans.fn;  // tells a watcher (and the browser test) what is drawn
    step = 0;
    play(true);
    table();
  }

  // one optimizer again (its slider moved, or it was ticked for the first time): no grid, no restart
  let pending = {}, timer = null;
  function raceOne(n) {
    pending[n] = true;
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const names = Object.keys(pending);
      pending = {};
      if (!result) return;
      try {
        const ans = await api("/api/race", { fn: result.fn, optimizers: names.map(entry), steps: result.steps, grid: false });
        for (const p of ans.paths) paths[p.name] = p;
        $("race-canvas").dataset.live = Number($("race-canvas").dataset.live || 0) + 1;
        draw(); table();
      } catch (e) { showError(e.message); }
    }, 120);
  }

  // ------------------------------------------------------------------ animation
  function play(on) {
    playing = on;
    $("btn-play").textContent = on ? "❚❚ Pause" : "▶ Play";
    if (on) {
      if (result && step >= result.steps) step = 0;
      lastTick = performance.now();
      requestAnimationFrame(tick);
    }
    draw();
  }
  function tick(now) {
    if (!playing || !result) return;
    const perSecond = Math.max(60, result.steps / 6);  // a whole race in about 6 s
    step = Math.min(result.steps, step + Math.max(0, now - lastTick) / 1000 * perSecond);
    lastTick = now;
    draw();
    if (step >= result.steps) { play(false); return; }
    requestAnimationFrame(tick);
  }

  // ------------------------------------------------------------------ drawing
  const STOPS = [[255, 252, 232], [222, 242, 208], [188, 224, 238], [156, 190, 230], [140, 156, 212]];
  function colormap(t) {
    t = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
    const i = Math.min(STOPS.length - 2, Math.floor(t)), f = t - i;
    return STOPS[i].map((c, k) => c + (STOPS[i + 1][k] - c) * f);
  }
  function contourImage(pw, ph) {
    if (contour && contour.width === pw && contour.height === ph) return contour;
    const n = result.grid, z = result.z, [zlo, zhi] = result.zrange, LEVELS = 16;
    const band = new Int16Array(pw * ph), img = new ImageData(pw, ph);
    const zAt = (gx, gy) => {
      const i = Math.min(n - 2, Math.floor(gy)), j = Math.min(n - 2, Math.floor(gx)), fy = gy - i, fx = gx - j;
      return (z[i * n + j] * (1 - fx) + z[i * n + j + 1] * fx) * (1 - fy) +
        (z[(i + 1) * n + j] * (1 - fx) + z[(i + 1) * n + j + 1] * fx) * fy;
    };
    for (let py = 0; py < ph; py++) for (let px = 0; px < pw; px++) {
      const v = zAt(px / (pw - 1) * (n - 1), (ph - 1 - py) / (ph - 1) * (n - 1));
      band[py * pw + px] = Math.floor((v - zlo) / (zhi - zlo + 1e-12) * LEVELS);
    }
    for (let k = 0; k < pw * ph; k++) {
      const px = k % pw, b = band[k];
      const edge = (px > 0 && band[k - 1] !== b) || (k >= pw && band[k - pw] !== b);
      const c = colormap((b + 0.5) / LEVELS), o = k * 4, dim = edge ? 0.72 : 1;
      img.data[o] = c[0] * dim; img.data[o + 1] = c[1] * dim; img.data[o + 2] = c[2] * dim; img.data[o + 3] = 255;
    }
    contour = document.createElement("canvas");
    contour.width = pw; contour.height = ph;
    contour.getContext("2d").putImageData(img, 0, 0);
    return contour;
  }

  function draw() {
    const canvas = $("race-canvas");
    const [ctx, W, H] = fitCanvas(canvas);
    const k = Math.max(0, Math.floor(step));
    $("scrub").value = k;
    $("step-out").textContent = "step " + k + (result ? " / " + result.steps : "");
    canvas.dataset.step = k;
    if (!result) return;
    const m = { l: 62, r: 16, t: 12, b: 34 };
    const pw = Math.max(2, Math.floor(W - m.l - m.r)), ph = Math.max(2, Math.floor(H - m.t - m.b));
    const [x0, x1, y0, y1] = result.box;
    ctx.drawImage(contourImage(pw, ph), m.l, m.t);
    const X = (x) => m.l + (x - x0) / (x1 - x0) * pw;
    const Y = (y) => m.t + ph - (y - y0) / (y1 - y0) * ph;
    ctx.strokeStyle = "#5f6b7a"; ctx.lineWidth = 1; ctx.strokeRect(m.l, m.t, pw, ph);
    ctx.fillStyle = "#5f6b7a"; ctx.font = "13px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (let v = Math.ceil(x0 * 2) / 2; v <= x1 + 1e-9; v += 0.5) if (Number.isInteger(v) || x1 - x0 < 5) ctx.fillText(v, X(v), m.t + ph + 5);
    ctx.fillText("x", m.l + pw / 2, m.t + ph + 19);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (let v = Math.ceil(y0 * 2) / 2; v <= y1 + 1e-9; v += 0.5) if (Number.isInteger(v) || y1 - y0 < 5) ctx.fillText(v, m.l - 6, Y(v));
    ctx.fillText("y", m.l - 44, m.t + ph / 2);

    ctx.save();
    ctx.beginPath(); ctx.rect(m.l, m.t, pw, ph); ctx.clip();
    const visible = Object.keys(paths).filter(shown);
    canvas.dataset.visible = visible.join(",");
    for (const n of visible) {
      const p = paths[n], upto = Math.min(k, p.points.length - 1);
      ctx.lineJoin = "round"; ctx.beginPath();
      for (let i = 0; i <= upto; i++) { const [x, y] = p.points[i]; i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y)); }
      ctx.strokeStyle = "rgba(255,255,255,0.9)"; ctx.lineWidth = 5; ctx.stroke();
      ctx.strokeStyle = COLORS[n]; ctx.lineWidth = 2.4; ctx.stroke();
    }
    // every optimizer's current position on top of all paths, so none hides under another
    visible.forEach(function (n, j) {
      const p = paths[n], [ex, ey] = p.points[Math.min(k, p.points.length - 1)];
      ctx.beginPath(); ctx.arc(X(ex), Y(ey), 7 - j * 0.5, 0, 7);
      ctx.fillStyle = COLORS[n]; ctx.fill(); ctx.strokeStyle = "#fff"; ctx.lineWidth = 2; ctx.stroke();
    });
    ctx.fillStyle = "#000";
    ctx.beginPath(); ctx.arc(X(result.start[0]), Y(result.start[1]), 5, 0, 7); ctx.fill();
    star(ctx, X(result.minimum[0]), Y(result.minimum[1]), 11);
    ctx.restore();
    drawLoss(visible, k);
  }

  function drawLoss(visible, k) {
    const series = visible.map((n) => ({
      name: OPTIONS.optimizers[n].label.split(" ")[0], color: COLORS[n],
      points: paths[n].losses.slice(0, k + 1).map((v, i) => [i, v]),
    }));
    lineChart($("race-loss"), series.length ? series : [{ name: "none shown", color: "#ccc", points: [] }],
      { ylog: true, xMax: result ? result.steps : 10, xLabel: "step", marker: k });
    $("race-loss").dataset.points = series.reduce((a, s) => a + s.points.length, 0);
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
    const key = (p) => (typeof p.final_loss === "number" ? p.final_loss : Infinity);
    for (const p of Object.values(paths).filter((p) => shown(p.name)).sort((a, b) => key(a) - key(b))) {
      const tr = document.createElement("tr");
      const name = document.createElement("td");
      const dot = document.createElement("span");
      dot.className = "dot"; dot.style.background = COLORS[p.name];
      name.append(dot, OPTIONS.optimizers[p.name].label.split(" ")[0]);
      tr.appendChild(name);
      for (const [text, cls] of [[String(p.lr), "num"], [p.knob === null ? "–" : String(p.knob), "num"],
        [fmt(p.final_loss), "num"], [fmt(p.distance), "num"],
        [p.status === "ok" ? "✓ " + (p.points.length - 1) + " steps" : "✗ diverged", p.status === "ok" ? "ok" : "bad"]]) {
        const td = document.createElement("td"); td.textContent = text; td.className = cls; tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  }

  // ------------------------------------------------------------------ wiring
  $("fn").addEventListener("change", () => { setDefaults(); withBusy($("btn-race"), raceAll); });
  $("race-form").addEventListener("submit", (ev) => { ev.preventDefault(); withBusy($("btn-race"), raceAll); });
  $("btn-defaults").addEventListener("click", () => { setDefaults(); withBusy($("btn-race"), raceAll); });
  $("btn-play").addEventListener("click", () => play(!playing));
  $("scrub").addEventListener("input", () => { step = Number($("scrub").value); play(false); });
  $("opt-list").addEventListener("input", function (ev) {
    const n = ev.target.dataset.opt || ev.target.value;
    if (ev.target.classList.contains("opt")) {  // a toggle: show/hide at once, race it if never raced
      if (ev.target.checked && !paths[n]) raceOne(n);
      draw(); table();
      return;
    }
    showLr(n);
    if (shown(n)) raceOne(n);
  });
  window.addEventListener("resize", () => { contour = null; draw(); });
  setDefaults();
  withBusy($("btn-race"), raceAll);
})();
