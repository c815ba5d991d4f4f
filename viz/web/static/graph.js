/* Graph lab: expression -> graph with gradients, backward step-through, numerical check, and the
   derivative's own graph (second derivatives). Variables are numbers or small matrices. */
"use strict";

(function () {
  const FUNCTIONS = new Set(["exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "sin", "cos", "softplus",
    "gelu", "elu", "leaky_relu", "max", "min", "sum", "mean", "transpose", "axis", "pi", "e"]);
  // Values remembered per name (as typed), so editing the expression keeps what the student typed.
  const remembered = { x: "2", w: "-3", b: "6.88", y: "-1", a: "1.5", c: "2" };
  const exprBox = document.getElementById("expr");
  const varsBox = document.getElementById("variables");
  const wrtBox = document.getElementById("wrt");
  const derivButton = document.getElementById("btn-deriv");
  const TOKEN = document.getElementById("graph-form").dataset.token;
  const STORE = "tinygrad_edu.graph";
  let graphPZ = null;
  let derivPZ = null;

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

  function hideDerivative() {
    const card = document.getElementById("deriv-card");
    card.hidden = true;
    card.dataset.expr = "";
    document.getElementById("deriv-svg").textContent = "";
    derivPZ = null;
    derivButton.textContent = "Show the derivative's graph";
    derivButton.setAttribute("aria-pressed", "false");
  }

  /** A new expression (or a failed one): the panels that showed the old one are hidden. */
  function clearResults(keepGraph) {
    document.getElementById("check-card").hidden = true;
    document.querySelector("#check-table tbody").textContent = "";
    document.getElementById("steps-card").hidden = true;
    document.getElementById("steps-frame").removeAttribute("src");
    document.getElementById("note").hidden = true;
    hideDerivative();
    if (!keepGraph) {
      document.getElementById("summary-card").hidden = true;
      document.getElementById("graph-svg").innerHTML = '<p class="placeholder">No graph: fix the expression and press <b>Compute gradients</b>.</p>';
      document.getElementById("graph-svg").dataset.expr = "";
      document.getElementById("graph-svg").style.height = "";
      graphPZ = null;
    }
  }
  function showNote(id, note) {
    const box = document.getElementById(id);
    box.textContent = note || "";
    box.hidden = !note;
  }

  /** Names the expression uses (a rough scan for the form only; the server does the real parsing). */
  function names(text) {
    const seen = [];
    // (?<![\w.]) skips the e of 2e5 and the T of W.T
    for (const m of text.matchAll(/(?<![\w.])[A-Za-z_][A-Za-z0-9_]*/g)) {
      const n = m[0];
      if (!FUNCTIONS.has(n) && !seen.includes(n) && n[0] !== "_" && seen.length < 12) seen.push(n);
    }
    return seen;
  }

  function renderVariables() {
    for (const input of varsBox.querySelectorAll("input")) remembered[input.dataset.name] = input.value;
    varsBox.textContent = "";
    const chosen = wrtBox.value;
    wrtBox.textContent = "";
    for (const n of names(exprBox.value)) {
      const label = document.createElement("label");
      label.textContent = n + " =";
      const input = document.createElement("input");
      input.type = "text";
      input.inputMode = "decimal";
      input.spellcheck = false;
      input.autocomplete = "off";
      input.id = "var-" + n;
      input.dataset.name = n;
      input.placeholder = "2 or [[1, 2], [3, 4]]";
      input.value = remembered[n] !== undefined ? remembered[n] : "1";
      label.appendChild(input);
      label.classList.toggle("matrix", input.value.trim().startsWith("["));
      varsBox.appendChild(label);
      const option = document.createElement("option");
      option.value = n;
      option.textContent = n;
      wrtBox.appendChild(option);
    }
    if ([...wrtBox.options].some((o) => o.value === chosen)) wrtBox.value = chosen;
  }

  /** A variable's value as typed: a number, or a vector/matrix written as [1, 2] / [[1, 2], [3, 4]]. */
  function parseValue(name, text) {
    const t = text.trim();
    const hint = " (a number, or a matrix such as [[1, 2], [3, 4]])";
    if (t === "") throw new Error("give " + name + " a value" + hint);
    if (t[0] === "[") {
      let v;
      try { v = JSON.parse(t); } catch (e) { throw new Error(name + " is not a matrix: write it like [[1, 2], [3, 4]] or [1, 2]"); }
      const flat = [v].flat(3);
      if (!flat.every((x) => typeof x === "number" && Number.isFinite(x))) throw new Error(name + ": a matrix holds numbers only");
      return v;
    }
    const v = Number(t);
    if (!Number.isFinite(v)) throw new Error("give " + name + " a number" + hint);
    return v;
  }

  function request() {
    const values = {};
    for (const input of varsBox.querySelectorAll("input")) {
      values[input.dataset.name] = parseValue(input.dataset.name, input.value);
    }
    return {
      expr: exprBox.value, values: values, rankdir: document.getElementById("rankdir").value,
      color_by_grad: document.getElementById("color-by-grad").checked,
    };
  }

  /** A number as text, or a vector/matrix as a small table (one row per matrix row). */
  function numbersNode(value, digits) {
    if (!Array.isArray(value)) {
      const b = document.createElement("b");
      b.textContent = fmt(value, digits);
      return b;
    }
    const table = document.createElement("table");
    table.className = "mat";
    for (const row of Array.isArray(value[0]) ? value : [value]) {
      const tr = document.createElement("tr");
      for (const x of row) {
        const td = document.createElement("td");
        td.textContent = fmt(x, digits);
        tr.appendChild(td);
      }
      table.appendChild(tr);
    }
    return table;
  }

  function chip(text, value) {
    const span = document.createElement("span");
    span.className = "grad-chip";
    span.append(text + " = ");
    span.appendChild(numbersNode(value));
    return span;
  }

  /** The SVG from Graphviz on our server (labels escaped there, names are identifiers), pannable. */
  function showSvg(box, svg) {
    box.innerHTML = svg;
    // Pan and zoom instead of shrinking: text never goes below a readable size.
    // The box is as tall as the drawing at projector size (2 px per point), at most 70% of the window.
    const natural = box.querySelector("svg").viewBox.baseVal.height * 2;
    box.style.height = Math.max(160, Math.min(natural + 16, window.innerHeight * 0.7)) + "px";
    return panZoom(box, { minScale: 1.0, maxScale: 2.0 });
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
    const out = document.getElementById("out-value");
    out.textContent = "";
    out.appendChild(numbersNode(ans.output.data));
    const chips = document.getElementById("grad-chips");
    chips.textContent = "";
    for (const name of ans.order) chips.appendChild(chip("∂" + ans.output.name + "/∂" + name, ans.grads[name]));
    document.getElementById("summary-card").hidden = false;
    showNote("note", ans.note);
    const box = document.getElementById("graph-svg");
    graphPZ = showSvg(box, ans.svg);
    box.dataset.expr = ans.expr;
  }

  async function check() {
    save();
    const ans = await api("/api/graph/check", request());
    if (ans.note) showNote("note", ans.note);
    const body = document.querySelector("#check-table tbody");
    body.textContent = "";
    for (const r of ans.rows) {
      const tr = document.createElement("tr");
      const cells = [r.name, r.value, r.analytic, r.numeric,
        typeof r.abs_error === "number" ? r.abs_error.toExponential(1) : r.abs_error, r.ok ? "✓ match" : "✗ differ"];
      cells.forEach(function (value, i) {
        const td = document.createElement("td");
        if (i >= 1 && i <= 3) td.appendChild(numbersNode(value, i === 1 ? 4 : 8));
        else td.textContent = value;
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
    const vars = Object.entries(req.values).map(([k, v]) => k + "=" + (Array.isArray(v) ? JSON.stringify(v) : v)).join(";");
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

  /** The graph of dL/dx (built by the engine with create_graph=True) and the second derivatives. */
  async function derivative() {
    save();
    const req = request();
    req.wrt = wrtBox.value;
    const ans = await api("/api/graph/derivative", req);
    const L = ans.output, x = ans.wrt;
    const chips = document.getElementById("deriv-chips");
    chips.textContent = "";
    chips.appendChild(chip(ans.name, ans.derivative.data));
    for (const name of ans.order) {
      const label = name === x ? "∂²" + L + "/∂" + x + "²" : "∂²" + L + "/∂" + x + "∂" + name;
      chips.appendChild(chip(label, ans.second[name]));
    }
    document.getElementById("deriv-caption").textContent = ans.order.length
      ? "— each box: name, data, grad = ∂(" + ans.name + ")/∂(that node); so " + x + "'s grad is ∂²" + L + "/∂" + x + "²"
      : "— each box: name and data";
    showNote("deriv-note", ans.note);
    const card = document.getElementById("deriv-card");
    card.hidden = false;  // visible before the drawing is sized
    derivPZ = showSvg(document.getElementById("deriv-svg"), ans.svg);
    card.dataset.expr = ans.expr;
    card.dataset.wrt = x;
    derivButton.textContent = "Hide the derivative's graph";
    derivButton.setAttribute("aria-pressed", "true");
    card.scrollIntoView({ behavior: "smooth" });
  }

  exprBox.addEventListener("input", function () { renderVariables(); save(); });
  varsBox.addEventListener("input", function (ev) {
    // a matrix gets the whole row to be typed in
    ev.target.parentElement.classList.toggle("matrix", ev.target.value.trim().startsWith("["));
    save();
  });
  document.getElementById("zoom-in").addEventListener("click", () => graphPZ && graphPZ.zoomIn());
  document.getElementById("zoom-out").addEventListener("click", () => graphPZ && graphPZ.zoomOut());
  document.getElementById("zoom-fit").addEventListener("click", () => graphPZ && graphPZ.fit());
  document.getElementById("deriv-zoom-in").addEventListener("click", () => derivPZ && derivPZ.zoomIn());
  document.getElementById("deriv-zoom-out").addEventListener("click", () => derivPZ && derivPZ.zoomOut());
  document.getElementById("deriv-zoom-fit").addEventListener("click", () => derivPZ && derivPZ.fit());
  document.getElementById("examples").addEventListener("click", function (ev) {
    const example = ev.target.closest(".chip");
    if (!example) return;
    exprBox.value = example.dataset.expr;
    if (example.dataset.values) {
      for (const [k, v] of Object.entries(JSON.parse(example.dataset.values))) remembered[k] = JSON.stringify(v);
      varsBox.textContent = "";  // so renderVariables takes the example's values, not the boxes'
    }
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
  derivButton.addEventListener("click", function (ev) {
    if (!document.getElementById("deriv-card").hidden) { hideDerivative(); return; }
    withBusy(ev.currentTarget, derivative);
  });
  wrtBox.addEventListener("change", function () {
    if (!document.getElementById("deriv-card").hidden) withBusy(derivButton, derivative);
  });
  const restored = restore();
  renderVariables();
  if (restored) withBusy(document.getElementById("btn-graph"), compute);
})();
