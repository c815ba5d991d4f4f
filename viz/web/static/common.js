/* Shared helpers for the playground pages: JSON calls and error display. */
"use strict";

/** POST (or GET when body is undefined) JSON to the API; resolves to the answer or throws Error(message). */
async function api(path, body, method) {
  const opts = { method: method || (body === undefined ? "GET" : "POST"), headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    throw new Error("the playground server is not answering (was it stopped?)");
  }
  let data = null;
  try { data = await resp.json(); } catch (e) { /* not JSON */ }
  if (!resp.ok) {
    throw new Error((data && data.error) || ("HTTP " + resp.status));
  }
  return data;
}

/** Show (or hide, with an empty message) the page's error box. */
function showError(message) {
  const box = document.getElementById("error");
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}

/** A number the way the graph prints it: 4 decimals, or scientific when tiny or huge. */
function fmt(x, digits) {
  if (typeof x === "string") return x;          // "nan", "inf" from the server
  if (x === null || x === undefined) return "–";
  digits = digits === undefined ? 4 : digits;
  const a = Math.abs(x);
  if (x === 0 || (a >= 1e-3 && a < 1e5)) return x.toFixed(digits);
  return x.toExponential(2);
}

/** Run an async action with the button marked busy and errors shown. */
async function withBusy(button, action) {
  showError("");
  button.classList.add("busy");
  button.disabled = true;
  try {
    await action();
  } catch (e) {
    showError(e.message);
  } finally {
    button.classList.remove("busy");
    button.disabled = false;
  }
}

/** A canvas sized to its CSS box at the screen's pixel density; returns [ctx, width, height] in CSS px. */
function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return [ctx, w, h];
}

const CLASS_COLORS = ["#1f6feb", "#e8590c", "#2f9e44", "#ae3ec9", "#c92a2a", "#0c8599", "#f08c00",
  "#5c7cfa", "#868e96", "#2b8a3e"];
