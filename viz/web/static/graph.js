/* Graph lab: expression -> graph with gradients, backward step-through, numerical check. */
"use strict";

(function () {
  const FUNCTIONS = new Set(["exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "sin", "cos", "softplus",
    "gelu", "elu", "leaky_relu", "max", "min", "pi", "e"]);
  // Values remembered per name, so editing the expression keeps what the student typed.
  const remembered = { x: 2, w: -3, b: 6.88, y: -1, a: 1.5, c: 2 };
  const exprBox = document.getElementById("expr");
  const varsBox = document.getElementById("variables");
  const TOKEN = document.getElementById("graph-form").dataset.token;
  const STORE = "tinygrad_edu.graph";
  let graphPZ = null;

  /** The expression and values survive switching tabs (sessionStorage: this tab only). */
  function save() {
    for (const input of varsBox.querySelectorAll("input")) remembered[input.dataset.name] = input.value;
    try { sessionStorage.setItem(STORE, JSON.stringify({ expr: exprBox.value, values: remembered })); } catch (e) { /* private mode */ }
  }
  function restore() {
    try {
      const s = JSON.parse(sessionStorage.getItem(STORE) || "null");
      if (s && typeof s.expr === "string") { exprBox.value = s.expr; Object.assign(remembered, s.values || {}); return true; }
    } catch (e) { /* ignore */ }
    return false;
  }

  /** A new expression (or a failed one): the panels that showed the old one are hidden. */
  function clearResults(keepGraph) {
    document.getElementById("check-card").hidden = true;
    document.querySelector("#check-table tbody").textContent = "";
    document.getElementById("steps-card").hidden = true;
    document.getElementById("steps-frame").removeAttribute("src");
    document.getElementById("note").hidden = true;
    if (!keepGraph) {
      document.getElementById("summary-card").hidden = true;
      document.getElementById("graph-svg").innerHTML = '<p class="placeholder">No graph: fix the expression and press <b>Compute gradients</b>.</p>';
      document.getElementById("graph-svg").dataset.expr = "";
      document.getElementById("graph-svg").style.height = "";
      graphPZ = null;
    }
  }
  function showNote(note) {
    const box = document.getElementById("note");
    box.textContent = note || "";
    box.hidden = !note;
  }

  /** Names the expression uses (a rough scan for the form only; the server does the real parsing). */
  function names(text) {
    const seen = [];
    // (?<![\w.]) skips the e of 2e5
    for (const m of text.matchAll(/(?<![\w.])[A-Za-z_][A-Za-z0-9_]*/g)) {
      const n = m[0];
      if (!FUNCTIONS.has(n) && !seen.includes(n) && n[0] !== "_" && seen.length < 12) seen.push(n);
    }
    return seen;
  }

  function renderVariables() {
    for (const input of varsBox.querySelectorAll("input")) remembered[input.dataset.name] = input.value;
    varsBox.textContent = "";
    for (const n of names(exprBox.value)) {
      const label = document.createElement("label");
      label.textContent = n + " =";
      const input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      input.id = "var-" + n;
      input.dataset.name = n;
      input.value = remembered[n] !== undefined ? remembered[n] : 1;
      label.appendChild(input);
      varsBox.appendChild(label);
    }
  }

  function request() {
    const values = {};
    for (const input of varsBox.querySelectorAll("input")) {
      const v = Number(input.value);
      if (input.value.trim() === "" || !Number.isFinite(v)) {
        throw new Error("give " + input.dataset.name + " a number");
      }
      values[input.dataset.name] = v;
    }
    return {
      expr: exprBox.value, values: values, rankdir: document.getElementById("rankdir").value,
      color_by_grad: document.getElementById("color-by-grad").checked,
    };
  }

  async function compute() {
    save();
    clearResults(true);
    let ans;
    try {
      ans = await api("/api/graph", request());
    } catch (e) {
      clearResults(false);  // a syntax error must not leave the old graph looking current
      throw e;
    }
    document.getElementById("out-name").textContent = ans.output.name;
    document.getElementById("out-value").textContent = fmt(ans.output.data);
    const chips = document.getElementById("grad-chips");
    chips.textContent = "";
    for (const name of ans.order) {
      const g = ans.grads[name];
      const chip = document.createElement("span");
      chip.className = "grad-chip";
      chip.append("∂" + ans.output.name + "/∂" + name + " = ");
      const b = document.createElement("b");
      b.textContent = fmt(g);
      chip.appendChild(b);
      chips.appendChild(chip);
    }
    document.getElementById("summary-card").hidden = false;
    showNote(ans.note);
    // The SVG comes from Graphviz on our server; labels are escaped there and names are identifiers.
    const box = document.getElementById("graph-svg");
    box.innerHTML = ans.svg;
    box.dataset.expr = ans.expr;
    // Pan and zoom instead of shrinking: text never goes below a readable size.
    // The box is as tall as the drawing at projector size (2 px per point), at most 70% of the window.
    const natural = box.querySelector("svg").viewBox.baseVal.height * 2;
    box.style.height = Math.max(160, Math.min(natural + 16, window.innerHeight * 0.7)) + "px";
    graphPZ = panZoom(box, { minScale: 1.0, maxScale: 2.0 });
  }

  async function check() {
    save();
    const ans = await api("/api/graph/check", request());
    if (ans.note) showNote(ans.note);
    const body = document.querySelector("#check-table tbody");
    body.textContent = "";
    for (const r of ans.rows) {
      const tr = document.createElement("tr");
      const cells = [r.name, fmt(r.value), fmt(r.analytic, 8), fmt(r.numeric, 8),
        typeof r.abs_error === "number" ? r.abs_error.toExponential(1) : r.abs_error, r.ok ? "✓ match" : "✗ differ"];
      cells.forEach(function (text, i) {
        const td = document.createElement("td");
        td.textContent = text;
        if (i > 0 && i < 5) td.className = "num";
        if (i === 5) td.className = r.ok ? "ok" : "bad";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    document.getElementById("check-rule").textContent = "A gradient matches when " + ans.rule + ".";
    document.getElementById("check-card").dataset.expr = ans.expr;
    document.getElementById("check-card").hidden = false;
  }

  function steps() {
    save();
    const req = request();
    const vars = Object.entries(req.values).map(([k, v]) => k + "=" + v).join(";");
    const url = "/graph/steps?expr=" + encodeURIComponent(req.expr) + "&vars=" + encodeURIComponent(vars) +
      "&t=" + encodeURIComponent(TOKEN);
    return fetch(url).then(async function (resp) {
      if (!resp.ok) throw new Error(await resp.text());
      document.getElementById("steps-frame").src = url;  // the server caches the page: no second render
      document.getElementById("steps-card").dataset.expr = req.expr;
      document.getElementById("steps-card").hidden = false;
      document.getElementById("steps-card").scrollIntoView({ behavior: "smooth" });
    });
  }

  exprBox.addEventListener("input", function () { renderVariables(); save(); });
  varsBox.addEventListener("input", save);
  document.getElementById("zoom-in").addEventListener("click", () => graphPZ && graphPZ.zoomIn());
  document.getElementById("zoom-out").addEventListener("click", () => graphPZ && graphPZ.zoomOut());
  document.getElementById("zoom-fit").addEventListener("click", () => graphPZ && graphPZ.fit());
  document.getElementById("examples").addEventListener("click", function (ev) {
    const chip = ev.target.closest(".chip");
    if (!chip) return;
    exprBox.value = chip.dataset.expr;
    renderVariables();
    withBusy(document.getElementById("btn-graph"), compute);
  });
  document.getElementById("graph-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    withBusy(document.getElementById("btn-graph"), compute);
  });
  document.getElementById("btn-check").addEventListener("click", function (ev) {
    withBusy(ev.currentTarget, check);
  });
  document.getElementById("btn-steps").addEventListener("click", function (ev) {
    withBusy(ev.currentTarget, steps);
  });
  const restored = restore();
  renderVariables();
  if (restored) withBusy(document.getElementById("btn-graph"), compute);
})();
