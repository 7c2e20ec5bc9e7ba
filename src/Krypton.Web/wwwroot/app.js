// Krypton.NET's page: plain JavaScript over the server's JSON API (the same one scripts use).
'use strict';

const $ = id => document.getElementById(id);

// Everything the page knows; window.krypton lets a test (or a curious user) read it.
const state = {
  palette: null,     // overlay colours from the server: {drop: [[r,g,b,a] x256], raise: [...]}
  picture: null,     // the model input in gray, as overlay.png draws it (a canvas)
  size: { height: 224, width: 224 },
  grid: null,        // {rows, columns, patch:[h,w], stride:[h,w], height, width}
  values: null,      // Float32Array, row-major, NaN where not computed
  known: null,       // Uint8Array: 1 where a value has arrived
  isDrop: false,
  unoccluded: null, probability: null,
  final: null,       // the done event: map, scale, files, prediction
  job: null, source: null, started: 0, firstValues: null, valueEvents: 0,
  roi: null, probe: null, runs: [],
};
window.krypton = state;

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...options });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: text }; }
  if (!response.ok) throw new Error(body && body.error ? body.error : `${response.status} ${response.statusText}`);
  return body;
}
const post = (path, body) => api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

function showError(message) { $('error').textContent = message; $('error').hidden = !message; }

function settings() {
  const s = {
    model: $('model').value, image: $('image').value || null,
    patch: $('patch').value.trim(), stride: $('stride').value.trim(), fill: $('fill').value.trim() || 'gray', value: $('value').value, grid: $('grid').value,
    target: $('target').value || null, roi: $('roi').value.trim() || null,
    mode: $('mode').value, precision: $('precision').value, tau: Number($('tau').value || 1),
  };
  if ($('drill').value) s.drill_down = Number($('drill').value);
  if (!$('quality-row').hidden && $('use-quality').checked) s.quality = Number($('quality').value);
  return s;
}

function fillSelect(select, items, keep) {
  const previous = keep ? select.value : null;
  select.replaceChildren(...items.map(([value, text]) => new Option(text, value)));
  if (previous !== null && items.some(([v]) => v === previous)) select.value = previous;
}

async function loadLists(selectModel, selectImage) {
  const [models, samples] = await Promise.all([api('/api/models'), api('/api/samples')]);
  fillSelect($('model'), models.map(m => [m.id, m.name]), true);
  fillSelect($('image'), samples.map(s => [s.id, s.name]), true);
  if (selectModel) $('model').value = selectModel;
  if (selectImage) $('image').value = selectImage;
}

// The model input as the model sees it, in gray (Rec. 709 luma), so every colour on it is the map's.
async function loadPicture() {
  const s = settings();
  const url = `/api/input?model=${encodeURIComponent(s.model)}` + (s.image ? `&image=${encodeURIComponent(s.image)}` : '');
  try {
    const blob = await fetch(url, { credentials: 'same-origin' }).then(r => r.ok ? r.blob() : Promise.reject(r));
    const bitmap = await createImageBitmap(blob);
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width; canvas.height = bitmap.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const d = pixels.data;
    for (let i = 0; i < d.length; i += 4) {
      const y = 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
      d[i] = d[i + 1] = d[i + 2] = y;
    }
    ctx.putImageData(pixels, 0, 0);
    state.picture = canvas;
    state.size = { height: canvas.height, width: canvas.width };
  } catch {
    state.picture = null;   // a tensor input: no picture, the map on gray
  }
  const canvas = $('map');
  const k = 448 / Math.max(state.size.height, state.size.width);
  canvas.width = Math.round(state.size.width * k);
  canvas.height = Math.round(state.size.height * k);
  draw();
}

let planTimer = null;
function refreshPlanSoon() { clearTimeout(planTimer); planTimer = setTimeout(refreshPlan, 250); }

async function refreshPlan() {
  const s = settings();
  try {
    const r = await post('/api/plan', s);
    $('plan').textContent = r.planned.text;
    const targets = [['', `predicted class`]].concat(r.top.map(t => [String(t.index), `${t.index}${t.name ? ' ' + t.name : ''} (${(100 * t.probability).toFixed(1)} %)`]));
    targets.push(['top3', 'top 3 classes (one sweep)']);
    fillSelect($('target'), targets, true);
    $('quality-row').hidden = !r.profile;
    showError('');
  } catch (e) {
    $('plan').textContent = 'no plan: ' + e.message;
  }
}

// ---- drawing -------------------------------------------------------------------------------

// What a cell shows: its value once it has arrived, else the value of the nearest coarser cell
// already computed (the sweep goes every 8th row and column first, then 4th, 2nd, the rest).
// Drill-down's coarse stage is every k-th row and column instead (k from the plan).
function shownValue(values, known, columns, r, c, steps = [2, 4, 8]) {
  const i = r * columns + c;
  if (known[i]) return values[i];
  for (const step of steps) {
    const a = (r - r % step) * columns + (c - c % step);
    if (known[a]) return values[a];
  }
  return NaN;
}

function changeOf(run, v) { return run.isDrop ? v : run.unoccluded - v; }

// The scale overlay.png uses: the server's once the map is done; before, the same rule on what has arrived.
function scaleOf(run) {
  if (run.scale) return run.scale;
  let largest = 0, lowest = 0;
  for (let i = 0; i < run.values.length; i++) if (run.known[i]) {
    const d = changeOf(run, run.values[i]);
    largest = Math.max(largest, Math.abs(d)); lowest = Math.min(lowest, d);
  }
  const absolute = run.valueKind === 'prob' || run.valueKind === 'drop'
    ? run.probability : Math.max(Math.abs(run.unoccluded ?? 0), largest);
  const max = absolute > 0 ? absolute : 1;
  return { max, diverging: lowest < -0.05 * max };
}

function colourOf(t, scale) {
  if (!Number.isFinite(t)) return [0, 0, 0, 0];
  if (t >= 0) return state.palette.drop[Math.round(Math.min(t, 1) * 255)];
  return scale.diverging ? state.palette.raise[Math.round(Math.min(-t, 1) * 255)] : [0, 0, 0, 0];
}

function drawRun(canvas, run, extras) {
  const ctx = canvas.getContext('2d');
  const k = canvas.width / run.size.width;
  ctx.fillStyle = '#808080';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (run.picture) {
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(run.picture, 0, 0, canvas.width, canvas.height);
  }
  const g = run.grid;
  if (g && run.values && state.palette) {
    const scale = scaleOf(run);
    // One cell of padding that repeats the edge cells, so that smoothing at the border extends the
    // edge values (as overlay.png's clamped shader does) instead of fading them out.
    const cells = document.createElement('canvas');
    const W = g.columns + 2, H = g.rows + 2;
    cells.width = W; cells.height = H;
    const cctx = cells.getContext('2d');
    const image = cctx.createImageData(W, H);
    const clamp = (v, n) => Math.max(0, Math.min(n - 1, v));
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
      const v = shownValue(run.values, run.known, g.columns, clamp(r - 1, g.rows), clamp(c - 1, g.columns), run.steps);
      const [R, G, B, A] = colourOf(changeOf(run, v) / scale.max, scale);
      const o = 4 * (r * W + c);
      image.data[o] = R; image.data[o + 1] = G; image.data[o + 2] = B; image.data[o + 3] = A;
    }
    cctx.putImageData(image, 0, 0);
    const [ph, pw] = g.patch, [sy, sx] = g.stride;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, Math.min((g.columns - 1) * sx + pw, g.width) * k, Math.min((g.rows - 1) * sy + ph, g.height) * k);
    ctx.clip();
    ctx.imageSmoothingEnabled = true;
    // Cell (r, c)'s centre lands on its patch's centre, as overlay.png places it.
    ctx.drawImage(cells, (pw / 2 - sx / 2 - sx) * k, (ph / 2 - sy / 2 - sy) * k, W * sx * k, H * sy * k);
    ctx.restore();
  }
  if (extras) extras(ctx, k);
}

let drawPending = false;
function draw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    drawRun($('map'), currentRun(), (ctx, k) => {
      if (state.roi) {
        const [y, x, h, w] = state.roi;
        ctx.setLineDash([6, 4]); ctx.strokeStyle = '#1e90ff'; ctx.lineWidth = 2;
        ctx.strokeRect(x * k, y * k, w * k, h * k);
        ctx.setLineDash([]);
      }
      if (state.probe) {
        const p = state.probe;
        ctx.strokeStyle = '#00e5ff'; ctx.lineWidth = 2;
        ctx.strokeRect(p.x * k, p.y * k, p.pw * k, p.ph * k);
      }
    });
    drawLegend();
  });
}

function currentRun() {
  return {
    picture: state.picture, size: state.size, grid: state.grid, values: state.values, known: state.known,
    isDrop: state.isDrop, unoccluded: state.unoccluded, probability: state.probability, valueKind: state.valueKind, steps: state.steps,
    scale: state.final ? (state.shown ?? state.final).scale : null,
  };
}

function drawLegend() {
  const bar = $('bar'), ctx = bar.getContext('2d');
  ctx.clearRect(0, 0, bar.width, bar.height);
  if (!state.grid || !state.palette || !state.values) { $('bar-label').textContent = ''; return; }
  const scale = scaleOf(currentRun());
  for (let x = 0; x < bar.width; x++) {
    const t = scale.diverging ? 2 * x / (bar.width - 1) - 1 : x / (bar.width - 1);
    const [r, g, b, a] = colourOf(t, { diverging: true });
    const mix = v => Math.round(128 * (1 - a / 255) + v * a / 255);
    ctx.fillStyle = `rgb(${mix(r)},${mix(g)},${mix(b)})`;
    ctx.fillRect(x, 0, 1, bar.height);
  }
  const units = state.valueKind === 'logit' ? 'logit' : state.valueKind === 'delta' ? 'model output' : 'probability';
  $('bar-label').textContent = `${scale.diverging ? (-scale.max).toPrecision(3) : 0} … ${scale.max.toPrecision(3)}: drop in ${units} when occluded`;
}

// ---- running -------------------------------------------------------------------------------

function resetMap(grid, plan) {
  state.grid = grid;
  state.values = new Float32Array(grid.rows * grid.columns).fill(NaN);
  state.known = new Uint8Array(grid.rows * grid.columns);
  state.isDrop = plan.is_drop;
  state.valueKind = plan.value;
  state.steps = plan.plan.drill_down ? [plan.plan.drill_down.coarse_stride_factor] : [2, 4, 8];
  state.final = null;
  state.shown = null;
  state.probe = null;
  $('map-choice').hidden = true;
}

async function run(event) {
  event.preventDefault();
  showError('');
  const s = settings();
  let job;
  try {
    job = await post('/api/jobs', s);
  } catch (e) { showError(e.message); return; }
  state.job = job.id;
  state.started = performance.now();
  state.firstValues = null;
  state.valueEvents = 0;
  state.settings = s;
  state.names = { model: $('model').selectedOptions[0].text, image: $('image').selectedOptions[0].text };
  $('run').disabled = true; $('cancel').disabled = false;
  $('summary').replaceChildren(); $('downloads').replaceChildren();
  $('progress').value = 0;
  listen(job.id);
}

function listen(id) {
  if (state.source) state.source.close();
  const source = new EventSource(`/api/jobs/${id}/events`, { withCredentials: true });
  state.source = source;
  const on = (name, handler) => source.addEventListener(name, e => { if (state.job === id) handler(JSON.parse(e.data)); });
  on('queued', d => { $('status').textContent = `queued: place ${d.place} (${d.running} running)`; });
  on('started', d => {
    resetMap(d.grid, d);
    $('plan').textContent = d.text;
    $('status').textContent = 'running…';
  });
  on('values', d => {
    for (let i = 0; i < d.cells.length; i++) {
      state.values[d.cells[i]] = d.values[i] ?? NaN;
      state.known[d.cells[i]] = 1;
    }
    state.unoccluded = d.unoccluded;
    state.probability = d.unoccluded_probability;
    if (state.firstValues === null) state.firstValues = (performance.now() - state.started) / 1000;
    state.valueEvents++;
    draw();
  });
  on('progress', d => {
    $('progress').value = d.total ? d.done / d.total : 0;
    const left = d.remaining_seconds != null ? `, about ${Math.ceil(d.remaining_seconds)} s left` : '';
    const first = state.firstValues !== null ? ` (first picture after ${state.firstValues.toFixed(2)} s)` : '';
    $('status').textContent = `${d.done} / ${d.total} positions${left}${first}`;
  });
  on('done', d => { finish(source); showResult(id, d); });
  on('failed', d => { finish(source); showError(d.error); $('status').textContent = 'failed'; });
  on('cancelled', d => { finish(source); $('status').textContent = d.message; });
}

function finish(source) {
  source.close();
  state.source = null;
  $('run').disabled = false; $('cancel').disabled = true;
}

// Shows one map of a finished run: the primary one, or another target's from the same sweep.
function showMap(m) {
  state.shown = m;
  state.values = Float32Array.from(m.map, v => v ?? NaN);
  state.known = Uint8Array.from(m.map, v => v === null ? 0 : 1);
  state.unoccluded = m.unoccluded;
  state.probability = m.unoccluded_probability;
}

function showResult(id, d) {
  state.final = d;
  showMap(d);
  const choice = $('map-choice');
  choice.hidden = !d.maps;
  if (d.maps) {
    fillSelect($('map-target'), d.maps.map((m, i) => [String(i), `${m.target}${m.target_name ? ' ' + m.target_name : ''} (${(100 * m.unoccluded_probability).toFixed(1)} %)`]), false);
    $('map-target').value = String(Math.max(0, d.maps.findIndex(m => m.target === d.target)));
  }
  $('progress').value = 1;
  const total = (performance.now() - state.started) / 1000;
  $('status').textContent = `done: ${d.positions} positions in ${d.sweep_seconds.toFixed(2)} s (${d.mode})`
    + (state.firstValues !== null ? `, first picture after ${state.firstValues.toFixed(2)} s of ${total.toFixed(2)} s` : '');
  const name = d.target_name ? `${d.target} ${d.target_name}` : `${d.target}`;
  const summary = $('summary');
  summary.replaceChildren();
  const line = text => { const p = document.createElement('p'); p.textContent = text; summary.append(p); return p; };
  line(`Target: class ${name}, probability ${(100 * d.unoccluded_probability).toFixed(1)} % without occlusion.`);
  line('Top classes: ' + d.top.map(t => `${t.name ?? t.index} ${(100 * t.probability).toFixed(1)} %`).join(', '));
  line(`Method: ${d.method}${d.fallback_reason ? ' (naive because ' + d.fallback_reason + ')' : ''}.`);
  $('downloads').replaceChildren(...d.files.map(f => {
    const li = document.createElement('li'); const a = document.createElement('a');
    a.href = f.url; a.textContent = f.name; a.target = '_blank'; li.append(a); return li;
  }));
  addRun(id, d, name);
  draw();
}

function addRun(id, d, name) {
  const run = { ...currentRun(), id, label: `${state.names.model}, ${state.names.image}: patch ${state.settings.patch}, stride ${state.settings.stride}, ${d.mode} → ${name}` };
  run.values = Float32Array.from(state.values); run.known = Uint8Array.from(state.known);
  state.runs.unshift(run);
  const li = document.createElement('li');
  const box = document.createElement('input'); box.type = 'checkbox'; box.value = id; box.addEventListener('change', updateCompare);
  const thumb = document.createElement('canvas');
  thumb.width = 64; thumb.height = Math.round(64 * run.size.height / run.size.width);
  drawRun(thumb, run);
  const text = document.createElement('span'); text.textContent = ` ${run.label} (${d.sweep_seconds.toFixed(1)} s)`;
  const label = document.createElement('label'); label.append(box, thumb, text);
  li.append(label);
  $('runs').prepend(li);
}

function checkedRuns() { return [...document.querySelectorAll('#runs input:checked')].map(b => b.value); }
function updateCompare() { $('compare').disabled = checkedRuns().length !== 2; }

async function compare() {
  const [a, b] = checkedRuns();
  try {
    const r = await api(`/api/compare?a=${a}&b=${b}`);
    $('compare-ssim').textContent = `SSIM ${r.ssim.toFixed(4)} (${r.rows}×${r.columns} maps)`;
    $('compare-result').hidden = false;
    for (const [canvas, id] of [[$('compare-a'), a], [$('compare-b'), b]]) {
      const run = state.runs.find(x => x.id === id);
      canvas.height = Math.round(canvas.width * run.size.height / run.size.width);
      drawRun(canvas, run);
      canvas.title = run.label;
    }
    showError('');
  } catch (e) { showError(e.message); }
}

// ---- the image: drag a region, click to probe, hover to read ---------------------------------

function modelPoint(event) {
  const canvas = $('map'), rect = canvas.getBoundingClientRect();
  const k = (rect.width / state.size.width);
  return { y: (event.clientY - rect.top) / k, x: (event.clientX - rect.left) / k };
}

let dragFrom = null;
function onDown(event) { dragFrom = modelPoint(event); }

function onMove(event) {
  const p = modelPoint(event);
  if (dragFrom && (event.buttons & 1)) {
    const y = Math.max(0, Math.min(dragFrom.y, p.y)), x = Math.max(0, Math.min(dragFrom.x, p.x));
    const h = Math.min(state.size.height, Math.max(dragFrom.y, p.y)) - y, w = Math.min(state.size.width, Math.max(dragFrom.x, p.x)) - x;
    if (h >= 2 && w >= 2) { state.roi = [Math.round(y), Math.round(x), Math.round(h), Math.round(w)]; draw(); }
    return;
  }
  tooltip(event, p);
}

function onUp(event) {
  const from = dragFrom; dragFrom = null;
  if (!from) return;
  const p = modelPoint(event);
  if (Math.abs(p.x - from.x) < 3 && Math.abs(p.y - from.y) < 3) { probe(p); return; }
  if (state.roi) { $('roi').value = state.roi.join(','); refreshPlanSoon(); }
}

function tooltip(event, p) {
  const tip = $('tooltip'), g = state.grid;
  if (!g || !state.values) { tip.hidden = true; return; }
  const [ph, pw] = g.patch, [sy, sx] = g.stride;
  const r = Math.round((p.y - ph / 2) / sy), c = Math.round((p.x - pw / 2) / sx);
  if (r < 0 || c < 0 || r >= g.rows || c >= g.columns) { tip.hidden = true; return; }
  const v = state.values[r * g.columns + c];
  tip.textContent = state.known[r * g.columns + c] && Number.isFinite(v)
    ? `cell (${r}, ${c}), patch at (${r * sy}, ${c * sx}): ${v.toFixed(4)}` : `cell (${r}, ${c}): not computed yet`;
  const rect = $('map').getBoundingClientRect();
  tip.style.left = `${event.clientX - rect.left + 14}px`;
  tip.style.top = `${event.clientY - rect.top + 14}px`;
  tip.hidden = false;
}

async function probe(p) {
  const s = settings();
  const [ph, pw] = parsePair(s.patch);
  const y = Math.max(0, Math.min(state.size.height - ph, Math.round(p.y - ph / 2)));
  const x = Math.max(0, Math.min(state.size.width - pw, Math.round(p.x - pw / 2)));
  const out = $('probe-value');
  out.textContent = `probing (${y}, ${x})…`;
  try {
    const r = await post('/api/probe', { settings: s, y, x });
    state.probe = { y, x, ph, pw, value: r.value };
    out.dataset.value = String(r.value);
    out.dataset.y = String(y); out.dataset.x = String(x);
    const name = r.target_name ? `${r.target} ${r.target_name}` : `${r.target}`;
    out.textContent = `${r.value.toFixed(4)} with the patch at (${y}, ${x}): ${$('value').selectedOptions[0].text} of class ${name} `
      + `(unoccluded probability ${(100 * r.unoccluded_probability).toFixed(1)} %; ${(1000 * r.seconds).toFixed(0)} ms)`;
    draw();
  } catch (e) { out.textContent = 'probe failed: ' + e.message; }
}

function parsePair(text) {
  const parts = String(text).toLowerCase().split('x').map(Number);
  return parts.length === 2 ? parts : [parts[0], parts[0]];
}

async function upload(input, kind) {
  const file = input.files[0];
  if (!file) return;
  const form = new FormData();
  form.append('file', file, file.name);
  $('status').textContent = `uploading ${file.name}…`;
  try {
    const r = await api('/api/uploads', { method: 'POST', body: form });
    await loadLists(kind === 'model' ? r.id : null, kind === 'image' ? r.id : null);
    $('status').textContent = `uploaded ${r.name}`;
    showError('');
    await loadPicture();
    refreshPlan();
  } catch (e) {
    showError(e.message);
    $('status').textContent = '';
  } finally { input.value = ''; }
}

async function init() {
  try {
    state.palette = await api('/api/palette');
    await loadLists();
  } catch (e) { showError(e.message); return; }
  $('settings').addEventListener('submit', run);
  $('settings').addEventListener('change', e => {
    if (e.target.id === 'upload-image' || e.target.id === 'upload-model') return;
    if (e.target.id === 'model' || e.target.id === 'image') { $('target').value = ''; loadPicture(); }
    if (e.target.id === 'roi') state.roi = $('roi').value ? $('roi').value.split(',').map(Number) : null;
    refreshPlanSoon();
  });
  $('quality').addEventListener('input', () => { $('quality-out').textContent = Number($('quality').value).toFixed(2); });
  $('clear-roi').addEventListener('click', () => { $('roi').value = ''; state.roi = null; draw(); refreshPlanSoon(); });
  $('cancel').addEventListener('click', () => { if (state.job) api(`/api/jobs/${state.job}`, { method: 'DELETE' }).catch(e => showError(e.message)); });
  $('compare').addEventListener('click', compare);
  $('map-target').addEventListener('change', () => { showMap(state.final.maps[Number($('map-target').value)]); draw(); });
  $('upload-image').addEventListener('change', e => upload(e.target, 'image'));
  $('upload-model').addEventListener('change', e => upload(e.target, 'model'));
  const canvas = $('map');
  canvas.addEventListener('mousedown', onDown);
  canvas.addEventListener('mousemove', onMove);
  canvas.addEventListener('mouseup', onUp);
  canvas.addEventListener('mouseleave', () => { $('tooltip').hidden = true; });
  await loadPicture();
  await refreshPlan();
  $('server-status').textContent = 'ready';
}

init();
