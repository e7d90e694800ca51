// Quintet Studio page: runs, the generation form (built from the run's knob description), job progress,
// and the result (piano roll on a canvas, the server's WAV, downloads). Plain JavaScript, no build step.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { runs: [], run: null, knobs: [], uploads: {}, song: null, notes: null, muted: new Set(), solo: null,
  compare: [] };

async function api(path, options = {}) {
  const res = await fetch(path, options);
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) throw new Error((body && body.error) || `${res.status} ${res.statusText}`);
  return body;
}

function showError(message) {
  const e = $('error');
  e.textContent = message || '';
  e.hidden = !message;
}

// ---- runs ----

function curveSvg(curve) {
  // The valid loss of the last stage, as a small line.
  if (!curve.length) return '';
  const stage = curve[curve.length - 1][0];
  const pts = curve.filter((p) => p[0] === stage).map((p) => p[3]);
  if (pts.length < 2) return '';
  const lo = Math.min(...pts), hi = Math.max(...pts), w = 90, h = 22;
  const xy = pts.map((v, i) => `${(i / (pts.length - 1)) * w},${hi > lo ? h - ((v - lo) / (hi - lo)) * h : h / 2}`);
  return `<svg width="${w}" height="${h}" class="curve"><polyline fill="none" stroke="#1976d2" points="${xy.join(' ')}"/></svg>`;
}

function fmt(x) { return Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4)) : ''; }

async function loadRuns() {
  state.runs = await api('/api/runs');
  const body = document.querySelector('#runs tbody');
  body.innerHTML = '';
  $('runs-empty').hidden = state.runs.length > 0;
  for (const r of state.runs) {
    const tr = document.createElement('tr');
    tr.dataset.run = r.name;
    const corpus = r.corpus ? r.corpus.split('/').pop() : '';
    const best = (r.stages || []).map((s) => fmt(s.best_valid)).join(' / ');
    tr.innerHTML = `<td>${esc(r.name)}</td><td>${esc(r.kind || '?')}</td><td title="${esc(r.corpus || '')}">${esc(corpus)}</td>` +
      `<td>${r.epochs}</td><td>${best}</td><td>${curveSvg(r.curve || [])}</td>`;
    if (r.problem) { tr.classList.add('broken'); tr.title = r.problem; } else tr.onclick = () => selectRun(r.name);
    body.appendChild(tr);
  }
}

function esc(s) { return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c])); }

async function selectRun(name) {
  const run = await api(`/api/runs/${encodeURIComponent(name)}`);
  state.run = run;
  state.knobsOf = state.knobsOf || {};
  state.knobsOf[name] = run.knobs || [];
  state.knobs = run.knobs || [];
  state.uploads = {};
  document.querySelectorAll('#runs tbody tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.run === name));
  $('run-name').textContent = name;
  $('run-kind').textContent = run.kind;
  buildForm();
  $('generate-panel').hidden = false;
  showError('');
}

// ---- the form, from the knob description ----

function buildForm() {
  const box = $('knobs');
  box.innerHTML = '';
  for (const k of state.knobs) {
    const div = document.createElement('div');
    div.className = 'knob';
    const id = 'knob' + k.name.replace(/[^a-z0-9]/gi, '-');
    const range = (k.min !== undefined || k.max !== undefined) ? ` [${k.min ?? ''}..${k.max ?? ''}]` : '';
    div.innerHTML = `<label for="${id}">${esc(k.name)}${esc(range)}</label>`;
    let input;
    if (k.type === 'flag') {
      input = document.createElement('input');
      input.type = 'checkbox';
    } else if (k.choices) {
      input = document.createElement('select');
      for (const c of k.choices) input.add(new Option(c, c, false, c === k.default));
    } else if (k.type === 'path' || k.type === 'paths') {
      input = dropZone(k);
    } else {
      input = document.createElement('input');
      input.type = (k.type === 'integer' || k.type === 'number') ? 'number' : 'text';
      if (k.type === 'integer') input.step = '1';
      if (k.type === 'number') input.step = 'any';
      if (k.min !== undefined) input.min = k.min;
      if (k.max !== undefined) input.max = k.max;
      input.value = k.default || '';
      input.placeholder = k.default || '';
    }
    input.id = id;
    input.dataset.knob = k.name;
    div.appendChild(input);
    const help = document.createElement('span');
    help.className = 'help';
    help.textContent = k.help;
    div.appendChild(help);
    box.appendChild(div);
  }
  newSeed();
}

function dropZone(k) {
  const zone = document.createElement('div');
  zone.className = 'drop';
  zone.tabIndex = 0;
  zone.innerHTML = `<span>drop a .mid or .npz here, or <input type="file" accept=".mid,.midi,.npz"></span><div class="report"></div>`;
  const report = zone.querySelector('.report');
  const take = async (file) => {
    report.textContent = `uploading ${file.name}...`;
    try {
      const up = await api(`/api/uploads?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file });
      const list = state.uploads[k.name] || [];
      state.uploads[k.name] = k.type === 'paths' ? list.concat([up.id]) : [up.id];
      const lines = up.tracks.map((t) => `${t.name || '(no name)'} program ${t.program}${t.drum ? ' drums' : ''}, ${t.notes} notes -> ${t.to}`);
      report.textContent = `${up.name}:\n${lines.join('\n')}`;
    } catch (e) {
      // The reader's one line; a single-file knob no longer holds the file dropped before (the report
      // would not show it).
      if (k.type === 'path') delete state.uploads[k.name];
      report.textContent = e.message;
    }
  };
  zone.querySelector('input').onchange = (ev) => { if (ev.target.files[0]) take(ev.target.files[0]); };
  zone.ondragover = (ev) => { ev.preventDefault(); zone.classList.add('over'); };
  zone.ondragleave = () => zone.classList.remove('over');
  zone.ondrop = (ev) => { ev.preventDefault(); zone.classList.remove('over'); if (ev.dataTransfer.files[0]) take(ev.dataTransfer.files[0]); };
  return zone;
}

function newSeed() {
  const seed = document.querySelector('[data-knob="--seed"]');
  if (seed) seed.value = String(Math.floor(Math.random() * 1e9));
}

function formKnobs() {
  const knobs = {};
  for (const k of state.knobs) {
    const el = document.querySelector(`[data-knob="${k.name}"]`);
    if (!el) continue;
    if (k.type === 'flag') { if (el.checked) knobs[k.name] = true; continue; }
    if (k.type === 'path') { if (state.uploads[k.name]) knobs[k.name] = state.uploads[k.name][0]; continue; }
    if (k.type === 'paths') { if (state.uploads[k.name]) knobs[k.name] = state.uploads[k.name]; continue; }
    const v = el.value.trim();
    if (v !== '' && v !== k.default) knobs[k.name] = v;
    if (k.name === '--seed' && v !== '') knobs[k.name] = v;  // always sent: the song's seed
  }
  return knobs;
}

async function generate(ev) {
  ev.preventDefault();
  showError('');
  await generateSong('generate', state.run.name, formKnobs());
}

// One generation job from the page: the button stays disabled while it runs, the song is shown when it ends,
// its one-line error otherwise.
async function generateSong(buttonId, run, knobs) {
  $(buttonId).disabled = true;
  try {
    const job = await api('/api/generate', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ run, knobs }),
    });
    const done = await follow(job.job);
    await showSong(done.result.song);
    loadHistory();
  } catch (e) {
    showError(e.message);
  } finally {
    $(buttonId).disabled = false;
    $('job').hidden = true;
  }
}

// Follows the job until it ends: resolves with its final status, rejects with its one-line error.
async function follow(id) {
  $('job').hidden = false;
  const s = await watchJob(id, (st) => {
    $('job-progress').value = st.progress;
    $('job-stage').textContent = st.stage;
  });
  if (s.state === 'done') return s;
  throw new Error(s.error || s.stage);
}

function jobEnded(s) { return s.state === 'done' || s.state === 'failed' || s.state === 'cancelled'; }

// Each change of the job's status goes to onStatus; resolves with the final status. It listens to the
// server's events (GET /api/jobs/ID/events: one per change, the last when the job ends); where that fails
// (no EventSource, a proxy that buffers, the stream cut) it polls GET /api/jobs/ID every `pollMs`.
// state.jobWatch counts what was used (the browser test checks that events, not polls, carried a song).
function watchJob(id, onStatus, pollMs = 150) {
  const counts = state.jobWatch = state.jobWatch || { events: 0, polls: 0, fallbacks: 0 };
  const poll = async () => {
    for (;;) {
      counts.polls++;
      const s = await api(`/api/jobs/${id}`);
      onStatus(s);
      if (jobEnded(s)) return s;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  if (typeof EventSource === 'undefined') { counts.fallbacks++; return poll(); }
  return new Promise((resolve, reject) => {
    const source = new EventSource(`/api/jobs/${id}/events`);
    let ended = false;
    source.onmessage = (ev) => {
      const s = JSON.parse(ev.data);
      counts.events++;
      onStatus(s);
      if (jobEnded(s)) { ended = true; source.close(); resolve(s); }
    };
    source.onerror = () => {
      if (ended) return;
      source.close();  // no reconnection: polling takes over from wherever the job is
      counts.fallbacks++;
      poll().then(resolve, reject);
    };
  });
}

// ---- the result ----

async function showSong(id) {
  const [settings, notes] = await Promise.all([api(`/api/songs/${id}`), api(`/api/songs/${id}/notes.json`)]);
  state.song = settings;
  state.notes = notes;
  state.knobsOf = state.knobsOf || {};
  if (!state.knobsOf[settings.run]) {
    const run = await api(`/api/runs/${encodeURIComponent(settings.run)}`).catch(() => null);
    state.knobsOf[settings.run] = run ? run.knobs || [] : [];
  }
  state.muted = new Set();
  state.solo = null;
  $('song-id').textContent = id;
  const k = settings.knobs || {};
  $('song-settings').textContent = `${settings.run} (${settings.system}), seed ${k['--seed']}, ${k['--bars']} bars at ${k['--tempo']} bpm`;
  const base = `/api/songs/${id}/`;
  $('dl-mid').href = base + 'song.mid';
  $('dl-png').href = base + 'song.png';
  const hasNpz = (settings.files || []).includes('song.npz');
  $('dl-npz').href = hasNpz ? base + 'song.npz' : '';
  $('dl-npz').hidden = !hasNpz;
  const hasWav = (settings.files || []).includes('song.wav');
  $('dl-wav').href = hasWav ? base + 'song.wav' : '';
  $('dl-wav').hidden = !hasWav;
  $('player').hidden = !hasWav;
  if (hasWav) $('player').src = base + 'song.wav';
  $('audio-note').hidden = !settings.audio;
  $('audio-note').textContent = settings.audio ? `no audio: ${settings.audio}` : '';
  buildLanes();
  $('regenerate').hidden = !canKeep();
  $('metrics').hidden = true;
  $('metrics-stage').textContent = '';
  $('result-panel').hidden = false;
  drawRoll();
}

function laneAudible(i) { return state.solo !== null ? state.solo === i : !state.muted.has(i); }

function buildLanes() {
  const box = $('lanes');
  box.innerHTML = '';
  state.notes.tracks.forEach((t, i) => {
    const div = document.createElement('div');
    div.className = 'lane';
    div.innerHTML = `<span class="swatch" style="background:${t.colour || '#777'}"></span>${esc(t.name)} <small>${t.notes.length}</small>` +
      `<button type="button" class="mute" title="mute">M</button><button type="button" class="solo" title="solo">S</button>` +
      (canKeep() ? `<label title="keep this instrument when regenerating"><input type="checkbox" class="lock" data-lane="${esc(t.name.toLowerCase())}">lock</label>` : '');
    div.querySelector('.mute').onclick = () => { state.muted.has(i) ? state.muted.delete(i) : state.muted.add(i); lanesChanged(); };
    div.querySelector('.solo').onclick = () => { state.solo = state.solo === i ? null : i; lanesChanged(); };
    box.appendChild(div);
  });
}

// The run's system can keep instruments of a song and resample the others (a --keep knob, with --from).
function canKeep() {
  const knobs = state.knobsOf && state.knobsOf[state.song.run];
  return Boolean(knobs) && ['--from', '--keep'].every((name) => knobs.some((k) => k.name === name));
}

async function regenerateUnlocked() {
  const locked = [...document.querySelectorAll('#lanes .lock')].filter((b) => b.checked).map((b) => b.dataset.lane);
  if (!locked.length) { showError('lock at least one instrument to keep'); return; }
  showError('');
  const old = state.song.knobs || {};
  const knobs = {};
  for (const [k, v] of Object.entries(old))
    if (!['--prime', '--seed-file', '--seed-from-corpus', '--seed-random', '--blocks', '--from', '--keep', '--seed'].includes(k)) knobs[k] = v;
  knobs['--from'] = `song:${state.song.id}`;
  knobs['--keep'] = locked.join(',');
  knobs['--seed'] = String(Math.floor(Math.random() * 1e9));
  await generateSong('regenerate', state.song.run, knobs);
}

// Mute and solo change what is drawn and what is heard: the server renders the audible lanes.
function lanesChanged() {
  document.querySelectorAll('#lanes .lane').forEach((div, i) => {
    div.querySelector('.mute').classList.toggle('on', state.muted.has(i));
    div.querySelector('.solo').classList.toggle('on', state.solo === i);
  });
  drawRoll();
  const player = $('player');
  if (player.hidden) return;
  const lanes = state.notes.tracks.map((_, i) => i).filter(laneAudible);
  const all = lanes.length === state.notes.tracks.length;
  const at = player.currentTime, playing = !player.paused;
  player.src = `/api/songs/${state.song.id}/` + (all ? 'song.wav' : `mix.wav?lanes=${lanes.join(',')}`);
  player.addEventListener('loadedmetadata', () => { player.currentTime = at; if (playing) player.play(); }, { once: true });
}

const LANE_H = 90, RULER_H = 18;
let rollImage = null;

function pitchRange(t) {
  if (!t.notes.length) return [60, 72];
  let lo = 127, hi = 0;
  for (const n of t.notes) { lo = Math.min(lo, n[2]); hi = Math.max(hi, n[2]); }
  lo = Math.max(0, lo - 2); hi = Math.min(127, hi + 2);
  while (hi - lo < 12) { if (lo > 0) lo--; if (hi < 127) hi++; }
  return [lo, hi];
}

// The piano roll of `notes` on a new canvas: a bar ruler, then a lane per track (its pitch range, its
// colour; lanes for which audible(i) is false are dimmed). Returns the canvas and the notes drawn.
function paintRoll(n, pxPerBeat, laneH, audible) {
  const stepW = pxPerBeat / n.resolution;
  const width = Math.min(32000, Math.max(300, Math.ceil(n.steps * stepW) + 1));
  const height = RULER_H + laneH * n.tracks.length;
  const off = document.createElement('canvas');
  off.width = width; off.height = height;
  const g = off.getContext('2d');
  g.fillStyle = '#fcfcfc'; g.fillRect(0, 0, width, height);
  // Bars: a line and a number every 4 beats.
  const barSteps = n.resolution * 4;
  g.font = '10px sans-serif'; g.fillStyle = '#555';
  for (let b = 0, s = 0; s <= n.steps; b++, s += barSteps) {
    const x = Math.round(s * stepW) + 0.5;
    g.strokeStyle = '#ddd'; g.beginPath(); g.moveTo(x, RULER_H); g.lineTo(x, height); g.stroke();
    if (stepW * barSteps >= 18 || b % 4 === 0) g.fillText(String(b + 1), x + 2, 12);
  }
  let drawn = 0;
  n.tracks.forEach((t, i) => {
    const top = RULER_H + i * laneH;
    g.strokeStyle = '#bbb'; g.beginPath(); g.moveTo(0, top + 0.5); g.lineTo(width, top + 0.5); g.stroke();
    const [lo, hi] = pitchRange(t);
    const ph = (laneH - 4) / (hi - lo + 1);
    g.globalAlpha = audible(i) ? 1 : 0.15;
    g.fillStyle = t.colour || '#777';
    for (const [start, length, pitch] of t.notes) {
      g.fillRect(start * stepW, top + 2 + (hi - pitch) * ph, Math.max(1, length * stepW - 1), Math.max(1, ph - 0.5));
      drawn++;
    }
    g.globalAlpha = 1;
    g.fillStyle = '#333'; g.fillText(t.name, 4, top + 12);
  });
  return { canvas: off, drawn, bars: Math.ceil(n.steps / barSteps) };
}

// Draws the song's roll once into an off-screen canvas; each frame copies it and adds the playhead.
function drawRoll() {
  const n = state.notes;
  const { canvas: off, drawn, bars } = paintRoll(n, Number($('zoom').value) * 4, LANE_H, laneAudible);
  rollImage = off;
  const c = $('roll');
  c.width = off.width; c.height = off.height;
  c.dataset.notesDrawn = String(drawn);
  c.dataset.lanesWithNotes = String(n.tracks.filter((t) => t.notes.length > 0).length);
  $('roll-info').textContent = `${n.tracks.length} lanes, ${drawn} notes, ${bars} bars`;
  paintFrame();
}

function paintFrame() {
  if (!rollImage) return;
  const c = $('roll'), g = c.getContext('2d'), n = state.notes;
  g.drawImage(rollImage, 0, 0);
  const player = $('player');
  const beats = player.currentTime * (n.tempo || 120) / 60;
  const x = beats * Number($('zoom').value) * 4;  // zoom * 4 pixels per beat, as drawRoll
  g.strokeStyle = '#d32f2f'; g.lineWidth = 2;
  g.beginPath(); g.moveTo(x, 0); g.lineTo(x, c.height); g.stroke(); g.lineWidth = 1;
  c.dataset.playheadX = String(Math.round(x));
  if (!player.paused) {
    const box = $('roll-scroll');
    if (x < box.scrollLeft || x > box.scrollLeft + box.clientWidth - 40) box.scrollLeft = Math.max(0, x - 40);
  }
}

function animate() { if (!$('player').paused) paintFrame(); requestAnimationFrame(animate); }

// ---- history ----

async function loadHistory() {
  const list = await api('/api/history');
  const ol = $('history');
  ol.innerHTML = '';
  for (const s of list.slice(0, 50)) {
    const li = document.createElement('li');
    const k = s.knobs || {};
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.title = 'compare';
    box.dataset.compare = s.id;
    box.checked = state.compare.includes(s.id);
    box.onclick = (ev) => { ev.stopPropagation(); toggleCompare(s.id, box); };
    const label = document.createElement('span');
    label.textContent = `${s.id}: ${s.run} (${s.system}) seed ${k['--seed']}, ${k['--bars']} bars` +
      (k['--noise-sd'] ? `, noise ${k['--noise-sd']}` : '');
    label.onclick = () => showSong(s.id).catch((e) => showError(e.message));
    li.append(box, label);
    ol.appendChild(li);
  }
}

// ---- metrics: quintet eval's table of the song next to its run's corpus ----

async function showMetrics() {
  const id = state.song.id;
  $('metrics-stage').textContent = 'queued';
  try {
    const job = await api(`/api/songs/${id}/metrics`, { method: 'POST' });
    const s = await watchJob(job.job, (st) => { $('metrics-stage').textContent = st.stage; }, 300);
    if (s.state !== 'done') throw new Error(s.error || s.stage);
    if (!state.song || state.song.id !== id) return;
    const body = document.querySelector('#metrics tbody');
    body.innerHTML = '';
    for (const m of s.result.metrics) {
      const tr = document.createElement('tr');
      tr.innerHTML = `<td>${esc(m.scope)}</td><td>${esc(m.metric)}</td><td>${fmt(m.generated)}</td><td>${fmt(m.reference)}</td><td>${fmt(m.difference)}</td>`;
      body.appendChild(tr);
    }
    $('metrics').hidden = false;
    $('metrics-stage').textContent = `${s.result.reference_songs} corpus songs`;
  } catch (e) {
    $('metrics-stage').textContent = e.message;
  }
}

// ---- compare: up to four songs side by side, each with its roll and its audio ----

function toggleCompare(id, box) {
  if (box.checked) {
    if (state.compare.length >= 4) { box.checked = false; showError('compare takes up to four songs'); return; }
    state.compare.push(id);
  } else {
    state.compare = state.compare.filter((x) => x !== id);
  }
  showCompare().catch((e) => showError(e.message));
}

let compareRender = 0;

// Renders the ticked songs into a new list that replaces the old one when complete; a render overtaken by a
// newer one (two ticks in a row) is dropped.
async function showCompare() {
  const mine = ++compareRender;
  const box = document.createElement('div');
  box.id = 'compare';
  for (const id of [...state.compare]) {
    const [settings, notes] = await Promise.all([api(`/api/songs/${id}`), api(`/api/songs/${id}/notes.json`)]);
    const k = settings.knobs || {};
    const div = document.createElement('div');
    div.className = 'compare-item';
    div.dataset.song = id;
    const others = Object.entries(k).filter(([name]) => !['--bars', '--seed', '--tempo'].includes(name))
      .map(([name, v]) => `${name} ${v}`).join(', ');
    div.innerHTML = `<b>${esc(id)}</b> ${esc(settings.run)}, seed ${esc(k['--seed'])}<br><small>${esc(others || 'defaults')}</small>`;
    const rollBox = document.createElement('div');
    rollBox.className = 'roll-box';
    const { canvas, drawn } = paintRoll(notes, 12, 40, () => true);
    canvas.dataset.notesDrawn = String(drawn);
    rollBox.appendChild(canvas);
    div.appendChild(rollBox);
    if ((settings.files || []).includes('song.wav')) {
      const audio = document.createElement('audio');
      audio.controls = true;
      audio.preload = 'metadata';
      audio.src = `/api/songs/${id}/song.wav`;
      div.appendChild(audio);
    }
    box.appendChild(div);
  }
  if (mine !== compareRender) return;
  $('compare').replaceWith(box);
  $('compare-panel').hidden = state.compare.length === 0;
}

// ---- train: any system, on a store of --corpora, a live curve; stop and resume ----

const training = { systems: [], job: null, run: null, timer: null };

async function loadTraining() {
  const [systems, corpora] = await Promise.all([api('/api/systems'), api('/api/corpora')]);
  training.systems = systems;
  const kind = $('train-kind');
  kind.innerHTML = '';
  for (const s of systems) kind.add(new Option(`${s.kind}: ${s.summary}`, s.kind, false, s.kind === 'vae-nn'));
  const corpus = $('train-corpus');
  corpus.innerHTML = '';
  for (const c of corpora) corpus.add(new Option(c, c));
  kind.onchange = buildTrainKnobs;
  buildTrainKnobs();
}

// The system's training knobs, from its option table (files are not offered to pages).
function buildTrainKnobs() {
  const sys = training.systems.find((s) => s.kind === $('train-kind').value);
  const box = $('train-knobs');
  box.innerHTML = '';
  for (const k of (sys ? sys.train_knobs : [])) {
    if (k.type === 'path' || k.type === 'paths') continue;
    const label = document.createElement('label');
    label.title = k.help;
    label.textContent = k.name + ' ';
    let input;
    if (k.type === 'flag') { input = document.createElement('input'); input.type = 'checkbox'; }
    else if (k.choices) { input = document.createElement('select'); for (const c of k.choices) input.add(new Option(c, c, false, c === k.default)); }
    else { input = document.createElement('input'); input.type = k.type === 'text' ? 'text' : 'number'; input.step = 'any'; input.placeholder = k.default; }
    input.dataset.trainKnob = k.name;
    input.dataset.default = k.default;
    label.appendChild(input);
    box.appendChild(label);
  }
}

async function startTraining(resume) {
  showError('');
  const knobs = {};
  document.querySelectorAll('[data-train-knob]').forEach((el) => {
    if (el.type === 'checkbox') { if (el.checked) knobs[el.dataset.trainKnob] = true; }
    else if (el.value !== '' && el.value !== el.dataset.default) knobs[el.dataset.trainKnob] = el.value;
  });
  const run = $('train-run').value.trim();
  try {
    const job = await api('/api/train', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: $('train-kind').value, run, corpus: $('train-corpus').value, seed: $('train-seed').value, knobs, resume }),
    });
    training.job = job.job;
    training.run = run;
    watchTraining();
  } catch (e) {
    showError(e.message);
  }
}

async function watchTraining() {
  clearTimeout(training.timer);
  try {
    const s = await api(`/api/jobs/${training.job}`);
    $('train-stage').textContent = `${s.state}: ${s.error || s.stage}`;
    const run = await api(`/api/runs/${encodeURIComponent(training.run)}`).catch(() => null);
    if (run) drawCurve(run.curve || []);
    if (s.state === 'queued' || s.state === 'running') training.timer = setTimeout(watchTraining, 1000);
    else loadRuns().then(() => { $('status').textContent = `${state.runs.length} runs`; });
  } catch (e) {
    showError(e.message);
  }
}

// Train (light) and valid (dark) loss per epoch, each stage scaled on its own, stages side by side.
function drawCurve(curve) {
  const c = $('train-curve'), g = c.getContext('2d');
  g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
  c.dataset.points = String(curve.length);
  if (!curve.length) return;
  const stages = [...new Set(curve.map((p) => p[0]))];
  const w = c.width / stages.length;
  stages.forEach((st, si) => {
    const pts = curve.filter((p) => p[0] === st);
    const values = pts.flatMap((p) => [p[2], p[3]]);
    const lo = Math.min(...values), hi = Math.max(...values);
    const x = (i) => si * w + 20 + (pts.length > 1 ? (i / (pts.length - 1)) * (w - 40) : (w - 40) / 2);
    const y = (v) => 15 + (hi > lo ? (1 - (v - lo) / (hi - lo)) : 0.5) * (c.height - 30);
    for (const [col, colour] of [[2, '#90caf9'], [3, '#0d47a1']]) {
      g.strokeStyle = colour; g.fillStyle = colour; g.beginPath();
      pts.forEach((p, i) => { if (i) g.lineTo(x(i), y(p[col])); else g.moveTo(x(i), y(p[col])); g.fillRect(x(i) - 2, y(p[col]) - 2, 4, 4); });
      g.stroke();
    }
    g.fillStyle = '#333'; g.font = '11px sans-serif';
    g.fillText(`stage ${st}: ${pts.length} epochs, valid ${fmt(pts[pts.length - 1][3])}`, si * w + 20, 11);
  });
}

// ---- start ----

$('generate-form').onsubmit = generate;
$('metrics-button').onclick = showMetrics;
$('regenerate').onclick = regenerateUnlocked;
$('train-form').onsubmit = (ev) => { ev.preventDefault(); startTraining(false); };
$('train-resume').onclick = () => startTraining(true);
$('train-stop').onclick = () => api('/api/train/stop', { method: 'POST', body: JSON.stringify({ run: $('train-run').value.trim() }) })
  .then(() => { $('train-stage').textContent = 'stopping after this epoch'; }).catch((e) => showError(e.message));
$('new-seed').onclick = newSeed;
$('zoom').oninput = () => drawRoll();
$('player').addEventListener('seeked', paintFrame);
requestAnimationFrame(animate);
Promise.all([loadRuns(), loadHistory(), loadTraining()])
  .then(() => { $('status').textContent = `${state.runs.length} runs`; })
  .catch((e) => showError(e.message));
