/* The step-through page: one SVG laid out once; each frame recolours nodes and rewrites grad rows.
 *
 * #frame-data holds {nodes: [svg ids], gradRows: [rows per node], palette: [colours],
 * fills: [[palette index per node] per frame], texts: [[[node, [rows]], ...] per frame: changes only],
 * current: [node or -1 per frame], inputs: [[nodes] per frame], ops: [op-circle id or "" per node],
 * edges: [[edge ids into and out of the node's op] per node], colors: {current, input}}.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("frame-data").textContent);
  var sections = document.querySelectorAll("section.frame");
  var slider = document.getElementById("slider");
  var counter = document.getElementById("counter");
  var play = document.getElementById("play");
  var followBox = document.getElementById("follow");
  var viewport = document.getElementById("viewport");
  var svg = viewport.querySelector("svg");
  var n = data.nodes.length, last = sections.length - 1;
  var k = 0, timer = null;

  function byId(id) { return id ? svg.getElementById(id) : null; }
  var groups = data.nodes.map(byId);
  var shapes = groups.map(function (g) { return g ? g.querySelector("path, polygon") : null; });
  var gradTexts = groups.map(function (g, i) {
    if (!g) return [];
    var t = g.querySelectorAll("text");
    return Array.prototype.slice.call(t, t.length - data.gradRows[i]);
  });
  var opShapes = data.ops.map(function (id) { var g = byId(id); return g ? g.querySelector("ellipse") : null; });
  var edgeEls = data.edges.map(function (ids) { return ids.map(byId).filter(Boolean); });

  // Grad rows of every node at every frame, from the per-frame changes.
  var rows = [], state = data.nodes.map(function () { return null; });
  for (var f = 0; f <= last; f++) {
    (data.texts[f] || []).forEach(function (c) { state[c[0]] = c[1]; });
    rows.push(state.slice());
  }

  function paintEdges(i, hot) {
    edgeEls[i].forEach(function (g) {
      var col = hot ? data.colors.current : "#777777";
      g.querySelectorAll("path").forEach(function (p) {
        p.setAttribute("stroke", col); p.setAttribute("stroke-width", hot ? "2.5" : "1");
      });
      g.querySelectorAll("polygon").forEach(function (p) { p.setAttribute("stroke", col); p.setAttribute("fill", col); });
    });
  }

  function paint(frame) {
    var cur = data.current[frame], ins = data.inputs[frame] || [];
    for (var i = 0; i < n; i++) {
      if (shapes[i]) {
        shapes[i].setAttribute("fill", data.palette[data.fills[frame][i]]);
        var stroke = i === cur ? data.colors.current : ins.indexOf(i) >= 0 ? data.colors.input : data.base[i];
        shapes[i].setAttribute("stroke", stroke);
        shapes[i].setAttribute("stroke-width", i === cur || ins.indexOf(i) >= 0 ? "3" : "1");
      }
      var r = rows[frame][i];
      if (r) gradTexts[i].forEach(function (t, j) { if (r[j] !== undefined) t.textContent = r[j]; });
      if (opShapes[i]) {
        opShapes[i].setAttribute("fill", i === cur ? "#ffd6d6" : "#fff2cc");
        opShapes[i].setAttribute("stroke", i === cur ? data.colors.current : "#b8860b");
      }
      paintEdges(i, i === cur);
    }
    if (followBox && followBox.checked && cur >= 0 && window.stepsPanZoom) window.stepsPanZoom.follow(groups[cur]);
  }

  function show(i) {
    k = Math.max(0, Math.min(last, i));
    for (var j = 0; j <= last; j++) sections[j].hidden = (j !== k);
    slider.value = k;
    counter.textContent = "Frame " + k + " of " + last;
    document.body.setAttribute("data-frame", k);
    paint(k);
    if (k === last) stop();
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } play.textContent = "Play"; }
  document.getElementById("prev").onclick = function () { stop(); show(k - 1); };
  document.getElementById("next").onclick = function () { stop(); show(k + 1); };
  play.onclick = function () {
    if (timer) { stop(); return; }
    if (k === last) show(0);
    play.textContent = "Pause";
    timer = setInterval(function () { show(k + 1); }, 1600);
  };
  slider.oninput = function () { stop(); show(parseInt(slider.value, 10)); };
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { stop(); show(k + 1); }
    if (e.key === "ArrowLeft") { stop(); show(k - 1); }
  });
  if (typeof panZoom === "function") {
    window.stepsPanZoom = panZoom(viewport);
    document.getElementById("zoom-in").onclick = window.stepsPanZoom.zoomIn;
    document.getElementById("zoom-out").onclick = window.stepsPanZoom.zoomOut;
    document.getElementById("zoom-fit").onclick = window.stepsPanZoom.fit;
  }
  show(0);
})();
