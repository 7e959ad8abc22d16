/* varsynth explorer: controls -> POST /api/generate (JSON) -> uPlot plots. No dependencies but uPlot. */
"use strict";

const BAND_COLORS = {u: "#6a3d9a", g: "#2ca02c", r: "#d62728", i: "#8c564b", z: "#7f7f7f", y: "#bcbd22",
  I: "#c0392b", V: "#27ae60", G: "#1f77b4", B: "#1f3fbf", R: "#e67e22"};
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const PARAMS = [
  {key: "teff", label: "Teff", unit: "K", log: false, digits: 0},
  {key: "abs_mag", label: "Absolute G magnitude", unit: "mag", log: false, digits: 2},
  {key: "period", label: "Period", unit: "days", log: true, digits: 4},
];
const state = {model: null, cadences: [], reference: null, last: null, controller: null, timer: null, updates: 0};
const $ = (id) => document.getElementById(id);

function bandColor(band, k) { return BAND_COLORS[band] || PALETTE[k % PALETTE.length]; }
function fmt(v, digits) { return v === null || v === undefined ? "\u2013" : Number(v).toFixed(digits); }

async function getJSON(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

function showMessage(text) {
  const box = $("message");
  box.textContent = text || "";
  box.hidden = !text;
}

/* ---------- controls ---------- */
function buildParams() {
  const box = $("params");
  for (const p of PARAMS) {
    const div = document.createElement("div");
    div.className = "param off";
    div.id = `param-${p.key}`;
    div.innerHTML = `<div class="head"><label><input type="checkbox" id="${p.key}-on"> ${p.label} (${p.unit})</label>
      <input type="number" id="${p.key}-value" step="any" aria-label="${p.label} value"></div>
      <input type="range" id="${p.key}-slider" min="0" max="1000" value="500" aria-label="${p.label} slider">
      <div class="range" id="${p.key}-range"></div>`;
    box.appendChild(div);
    $(`${p.key}-slider`).addEventListener("input", () => { setOn(p, true); $(`${p.key}-value`).value = sliderValue(p); schedule(); });
    $(`${p.key}-value`).addEventListener("input", () => { setOn(p, true); placeSlider(p); schedule(); });
    $(`${p.key}-on`).addEventListener("change", () => { setOn(p, $(`${p.key}-on`).checked); schedule(); });
  }
}

function setOn(p, on) {
  $(`${p.key}-on`).checked = on;
  $(`param-${p.key}`).classList.toggle("off", !on);
}

function currentRange(p) {
  const cls = state.model.classes[$("vclass").value];
  const sub = $("subtype").value;
  return (sub && cls.subtypes[sub] ? cls.subtypes[sub] : cls.ranges)[p.key];
}

function toUnit(p, v) { return p.log ? Math.log10(v) : v; }
function fromUnit(p, u) { return p.log ? Math.pow(10, u) : u; }

function sliderValue(p) {
  const [lo, hi] = currentRange(p);
  const f = Number($(`${p.key}-slider`).value) / 1000;
  const v = fromUnit(p, toUnit(p, lo) + f * (toUnit(p, hi) - toUnit(p, lo)));
  return roundInside(v, lo, hi);
}

/* v to 4 significant digits, rounded towards the inside of [lo, hi] at its ends (so that the
   slider's ends stay inside the training range the server checks). */
function roundInside(v, lo, hi) {
  const step = (x) => Math.pow(10, Math.floor(Math.log10(Math.abs(x) || 1)) - 3);
  const sig = (x) => Number(x.toPrecision(4));
  let r = sig(v);
  if (r > hi) r = sig(Math.floor(hi / step(hi)) * step(hi));
  if (r < lo) r = sig(Math.ceil(lo / step(lo)) * step(lo));
  return r;
}

function placeSlider(p) {
  const [lo, hi] = currentRange(p);
  const v = Number($(`${p.key}-value`).value);
  if (!(v > 0 || (!p.log && Number.isFinite(v))) || lo === null) return;
  const f = (toUnit(p, v) - toUnit(p, lo)) / (toUnit(p, hi) - toUnit(p, lo));
  $(`${p.key}-slider`).value = Math.round(1000 * Math.min(1, Math.max(0, f)));
}

function applyRanges() {
  for (const p of PARAMS) {
    const r = currentRange(p);
    const known = r[0] !== null;
    $(`${p.key}-slider`).disabled = !known;
    $(`${p.key}-on`).disabled = !known;
    $(`${p.key}-value`).disabled = !known;
    $(`${p.key}-range`).textContent = known
      ? `training range ${fmt(r[0], p.digits)} \u2013 ${fmt(r[1], p.digits)} ${p.unit}`
      : `not known for this class's training stars: drawn`;
    if (!known) { setOn(p, false); $(`${p.key}-value`).value = ""; continue; }
    $(`${p.key}-slider`).value = 500;
    $(`${p.key}-value`).value = sliderValue(p);
  }
}

function fillClasses() {
  const sel = $("vclass");
  for (const [name, info] of Object.entries(state.model.classes)) {
    sel.add(new Option(`${name} (${info.stars} training light curves)`, name));
  }
  sel.value = state.model.classes.RRLYR ? "RRLYR" : sel.options[0].value;
}

function fillSubtypes() {
  const sel = $("subtype");
  sel.length = 1;
  for (const s of Object.keys(state.model.classes[$("vclass").value].subtypes)) sel.add(new Option(s, s));
}

function fillCadences() {
  const sel = $("cadence");
  for (const c of state.cadences.filter((c) => c.served)) sel.add(new Option(`${c.name} (${c.survey})`, c.name));
  sel.value = "ogle3";
}

function fillBands() {
  const box = $("bands");
  box.querySelectorAll("label").forEach((l) => l.remove());
  const cad = state.cadences.find((c) => c.name === $("cadence").value);
  cad.bands.forEach((b, k) => {
    const label = document.createElement("label");
    label.innerHTML = `<input type="checkbox" value="${b}" checked> <span style="color:${bandColor(b, k)}">${b}</span>`;
    label.querySelector("input").addEventListener("change", schedule);
    box.appendChild(label);
  });
}

async function loadReference() {
  state.reference = await getJSON(`/api/reference/${encodeURIComponent($("vclass").value)}`);
}

/* ---------- request ---------- */
function numberOrNull(id) {
  const v = $(id).value.trim();
  return v === "" ? null : Number(v);
}

function params(format) {
  const body = {vclass: $("vclass").value, subtype: $("subtype").value || null, n: Number($("n").value) || 1,
    seed: Number($("seed").value) || 0, cadence: $("cadence").value, extinction: numberOrNull("extinction") || 0,
    noise: $("noise").checked, format: format || "json"};
  for (const p of PARAMS) body[p.key] = $(`${p.key}-on`).checked ? numberOrNull(`${p.key}-value`) : null;
  const bright = numberOrNull("brightness");
  if (bright !== null) body[$("brightness-kind").value] = bright;
  const boxes = [...$("bands").querySelectorAll("input")];
  const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
  if (chosen.length && chosen.length < boxes.length) body.bands = chosen;
  return body;
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(update, 60);
}

async function post(body, signal) {
  const r = await fetch("/api/generate", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body), signal});
  if (!r.ok) {
    let detail = `${r.status}`;
    try { const e = await r.json(); detail = (e.field ? `${e.field}: ` : "") + e.detail; } catch (_) { /* not JSON */ }
    throw new Error(detail);
  }
  return r;
}

async function update() {
  if (state.controller) state.controller.abort();
  state.controller = new AbortController();
  const body = params();
  document.body.dataset.busy = "1";
  try {
    const data = await (await post(body, state.controller.signal)).json();
    state.last = {body, data};
    showMessage(data.stars.length ? "" : "the cadence gave these stars no epochs");
    render(data);
  } catch (err) {
    if (err.name === "AbortError") return;
    showMessage(err.message);
  } finally {
    document.body.dataset.busy = "0";
  }
}

/* ---------- plots ---------- */
/* uPlot's aligned data for a scatter plot: one row per point (x ascending, repeated x kept),
   each series' y in its own column and null elsewhere. */
function union(series) {
  const points = [];
  series.forEach((s, k) => s.x.forEach((x, i) => { if (x !== null && s.y[i] !== null) points.push([x, k, s.y[i]]); }));
  points.sort((a, b) => a[0] - b[0]);
  const ys = series.map(() => new Array(points.length).fill(null));
  points.forEach(([, k, y], row) => { ys[k][row] = y; });
  return [points.map((p) => p[0]), ...ys];
}

function scatter(el, series, {xLabel, yLabel, reverseY = false}) {
  el.innerHTML = "";
  const width = Math.max(240, el.clientWidth || 300);
  const opts = {
    width, height: Math.round(Math.min(300, Math.max(200, width * 0.6))),
    legend: {show: false}, cursor: {drag: {x: true, y: true}},
    scales: {x: {time: false}, y: {dir: reverseY ? -1 : 1}},
    axes: [{label: xLabel, size: 40}, {label: yLabel, size: 55}],
    series: [{}, ...series.map((s) => ({label: s.label, stroke: s.color, fill: s.color, paths: () => null,
      points: {show: true, size: s.size || 4, stroke: s.color, fill: s.color, width: 0}}))],
  };
  const data = union(series);
  el.dataset.points = String(series.reduce((n, s) => n + s.x.length, 0));
  return new uPlot(opts, data, el);
}

function lightCurveSeries(stars, phase) {
  const bands = [...new Set(stars.flatMap((s) => Object.keys(s.bands)))];
  const out = [];
  stars.forEach((s, k) => {
    for (const [b, lc] of Object.entries(s.bands)) {
      const x = phase ? lc.time.map((t) => (((t - s.epoch) / s.period) % 1 + 1) % 1) : lc.time;
      out.push({label: `${s.id} ${b}`, color: bandColor(b, bands.indexOf(b)) + (k ? "b0" : ""), x, y: lc.mag,
        size: 3});
    }
  });
  return out;
}

function renderPhysics(stars) {
  const rows = state.reference.physics.rows.filter((r) => r[0] !== null && r[1] !== null);
  const series = [{label: "training stars", color: "#9aa5b1", x: rows.map((r) => r[0]), y: rows.map((r) => r[1]), size: 3}];
  const drawn = stars.filter((s) => s.abs_mag !== null);
  series.push({label: "drawn", color: "#111111", x: drawn.map((s) => Math.log10(s.period)),
    y: drawn.map((s) => s.abs_mag), size: 9});
  scatter($("plot-physics"), series, {xLabel: "log10 period (days)", yLabel: "M_G (mag)", reverseY: true});
}

function renderFourier(stars) {
  const kind = $("fourier-kind").value;
  const ref = state.reference.fourier;
  const col = {amplitude: 1, R21: 2, phi21: 3}[kind];
  const series = [];
  if (ref) series.push({label: "OGLE-III", color: "#9aa5b1", x: ref.rows.map((r) => r[0]), y: ref.rows.map((r) => r[col]), size: 3});
  const fit = stars.filter((s) => s.fourier && s.fourier[kind] !== null);
  series.push({label: "drawn", color: "#111111", x: fit.map((s) => Math.log10(s.period)), y: fit.map((s) => s.fourier[kind]), size: 9});
  const el = $("plot-fourier");
  scatter(el, series, {xLabel: "log10 period (days)", yLabel: kind === "amplitude" ? "amplitude (mag)" : kind});
  if (!ref) el.insertAdjacentHTML("afterbegin", "<p class=\"range\">no OGLE-III Fourier parameters for this class</p>");
}

function renderTable(stars) {
  const body = $("drawn").querySelector("tbody");
  body.innerHTML = stars.map((s) => `<tr><td>${s.id}</td><td>${fmt(s.teff, 0)}</td><td>${fmt(s.abs_mag, 2)}</td>
    <td>${fmt(s.period, 4)}</td><td>${fmt(s.fourier && s.fourier.amplitude, 3)}</td>
    <td>${fmt(s.fourier && s.fourier.R21, 3)}</td><td>${fmt(s.fourier && s.fourier.phi21, 2)}</td></tr>`).join("");
}

function render(data) {
  const stars = data.stars;
  scatter($("plot-time"), lightCurveSeries(stars, false), {xLabel: "MJD", yLabel: "mag", reverseY: true});
  scatter($("plot-phase"), lightCurveSeries(stars, true), {xLabel: "phase", yLabel: "mag", reverseY: true});
  renderPhysics(stars);
  renderFourier(stars);
  renderTable(stars);
  const bands = [...new Set(stars.flatMap((s) => Object.keys(s.bands)))];
  $("legend").innerHTML = bands.map((b, k) => `<span style="--c:${bandColor(b, k)}">${b}</span>`).join("")
    + `<span style="--c:#9aa5b1">real stars</span><span style="--c:#111111">drawn stars</span>`;
  $("command").textContent = data.command;
  $("python").textContent = "import varsynth\n" + data.python;
  $("plot-time").dataset.signature = stars.map((s) => `${s.period}:${Object.values(s.bands)[0]?.mag[0]}`).join("|");
  state.updates += 1;
  document.body.dataset.updates = String(state.updates);
}

/* ---------- download ---------- */
async function download(format) {
  if (!state.last) return;
  try {
    const r = await post({...state.last.body, format});
    const blob = await r.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `varsynth-${state.last.body.vclass.toLowerCase()}.${format}`;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  } catch (err) {
    showMessage(err.message);
  }
}

/* ---------- start ---------- */
async function start() {
  [state.model, state.cadences] = await Promise.all([getJSON("/api/model"), getJSON("/api/cadences")]);
  $("model-name").textContent = `model: ${state.model.name}`;
  buildParams();
  fillClasses();
  fillSubtypes();
  fillCadences();
  fillBands();
  applyRanges();
  setOn(PARAMS[2], true);
  await loadReference();
  $("vclass").addEventListener("change", async () => { fillSubtypes(); applyRanges(); setOn(PARAMS[2], currentRange(PARAMS[2])[0] !== null); await loadReference(); schedule(); });
  $("subtype").addEventListener("change", () => { applyRanges(); schedule(); });
  $("cadence").addEventListener("change", () => { fillBands(); schedule(); });
  for (const id of ["n", "seed", "extinction", "brightness", "brightness-kind", "noise"]) $(id).addEventListener("input", schedule);
  $("fourier-kind").addEventListener("change", () => state.last && render(state.last.data));
  document.querySelectorAll(".downloads button").forEach((b) => b.addEventListener("click", () => download(b.dataset.format)));
  let width = window.innerWidth;
  window.addEventListener("resize", () => { if (window.innerWidth !== width && state.last) { width = window.innerWidth; render(state.last.data); } });
  await update();
}

start().catch((err) => showMessage(`cannot start: ${err.message}`));
