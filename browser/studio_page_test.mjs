// The studio page in headless Debian Chromium (puppeteer-core): a tiny run is trained with the CLI, the
// studio serves it, and the page generates a song; the piano roll must have notes in at least three lanes,
// the audio must load with a duration, the MIDI download must parse (`quintet inspect`), and soloing a lane
// must switch the audio to a mix of that lane, the metrics table must fill, and two songs (noise 0.5 and 1.0, same seed) must show side by
// side in Compare, each with notes and playable audio; a run trained from the page must show its curve and
// join the runs table; locking the piano and regenerating must keep its notes and change another lane.
// Job progress must come from the server's events (no GET /api/jobs/ID while they work), and the page must
// fall back to polling when the event stream fails. A MIDI dropped on the --prime zone must show its mapping
// report and prime the next song; a file that is not MIDI must show its one-line error.
// Screenshots are kept as test artefacts.
//
//   node browser/studio_page_test.mjs BUILD_DIR DATA_DIR ARTEFACT_DIR
//
// Exit 0: passed; 77: skipped (ctest's SKIP_RETURN_CODE) because chromium, puppeteer-core or the shared data
// is missing; under CI=true/1 or QUINTET_STRICT=1 that is a failure instead (tests/support/skip_or_fail.hpp).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [buildDir, dataDir, artefactDir] = process.argv.slice(2).map((p) => path.resolve(p));
const strict = ['true', '1'].includes(process.env.CI) || process.env.QUINTET_STRICT === '1';
const started = Date.now();
const log = (m) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${m}`);

function skip(message) {
  if (strict) {
    console.error(`FAILED: ${message} (a failure, not a skip: CI or QUINTET_STRICT is set)`);
    process.exit(1);
  }
  console.log(`SKIPPED: ${message}`);
  process.exit(77);
}

const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(chromium)) skip(`chromium not installed at ${chromium} (scripts/install-deps installs Debian's chromium)`);
let puppeteer;
try {
  puppeteer = (await import('puppeteer-core')).default;
} catch (e) {
  skip('npm puppeteer-core not installed (scripts/install-deps runs npm ci in browser/)');
}
const songs = ['mma__solo_solo', 'mma__misc_midinote', 'mma__midi-inc_frankie', 'openmsx__tttheme2', 'mma__misc_truncate',
  'mma__midi-inc_frankie2'];
for (const s of songs)
  if (!fs.existsSync(path.join(dataDir, 'lpd5', `${s}.npz`))) skip(`shared data not found: ${dataDir}/lpd5/${s}.npz`);

const quintet = path.join(buildDir, 'quintet');
function run(args) {
  const r = spawnSync(quintet, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`quintet ${args.join(' ')}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-studio-page.'));
let studio = null, browser = null;
const fail = (m) => { throw new Error(m); };
try {
  // A tiny run: six songs, one epoch per stage, latent 4.
  fs.mkdirSync(path.join(work, 'src'));
  for (const s of songs) fs.copyFileSync(path.join(dataDir, 'lpd5', `${s}.npz`), path.join(work, 'src', `${s}.npz`));
  run(['corpus', 'build', path.join(work, 'src'), '-o', path.join(work, 'tiny.qstore'), '-q']);
  fs.mkdirSync(path.join(work, 'runs'));
  run(['train', 'vae', '--corpus', path.join(work, 'tiny.qstore'), '--out', path.join(work, 'runs', 'tiny'), '--latent', '4',
    '--epochs', '1', '--net-epochs', '1', '--batch', '16', '--seed', '1', '--quiet']);
  log('tiny run trained');

  // The studio on a free port; its first line names the URL.
  studio = spawn(quintet, ['studio', '--runs', path.join(work, 'runs'), '--corpora', work, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  studio.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    studio.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/[^\s]+\//);
      if (m) resolve(m[0]);
    });
    studio.on('exit', (code) => reject(new Error(`studio exited ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`studio printed no URL: ${out}${stderr}`)), 20000);
  });
  log(`studio at ${url}`);

  browser = await puppeteer.launch({
    executablePath: chromium, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', `--user-data-dir=${path.join(work, 'profile')}`],
  });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // What the page asks about jobs, seen from the network: polls (GET /api/jobs/ID) and event streams
  // (GET /api/jobs/ID/events). While `blockEvents` is set, streams are aborted (request interception).
  const jobRequests = { polls: 0, streams: 0 };
  let intercepting = false, blockEvents = false;
  page.on('request', (req) => {
    const p = new URL(req.url()).pathname;
    const stream = /^\/api\/jobs\/[^/]+\/events$/.test(p);
    if (/^\/api\/jobs\/[^/]+$/.test(p)) jobRequests.polls++;
    if (stream) jobRequests.streams++;
    if (intercepting) { if (blockEvents && stream) req.abort(); else req.continue(); }
  });
  await page.setViewport({ width: 1280, height: 1000 });
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#runs tbody tr[data-run="tiny"]');
  log(`page interactive in ${Date.now() - t0} ms`);

  // Pick the run; its form comes from the knob description.
  await page.click('#runs tbody tr[data-run="tiny"]');
  await page.waitForSelector('[data-knob="--noise-sd"]', { visible: true });
  const setKnob = async (name, value) => {
    await page.$eval(`[data-knob="${name}"]`, (el, v) => { el.value = v; }, value);
  };
  await setKnob('--bars', '8');
  await setKnob('--seed', '5');
  await page.click('#generate');
  await page.waitForFunction(() => Number(document.getElementById('roll').dataset.notesDrawn || 0) > 0 ||
    !document.getElementById('error').hidden, { timeout: 60000 });
  const errorText = await page.$eval('#error', (e) => (e.hidden ? '' : e.textContent));
  if (errorText) fail(`the page reports: ${errorText}`);
  // The song came by server-sent events: one stream, no poll (the network's count and the page's own).
  const watch = await page.evaluate(() => state.jobWatch);
  log(`job followed by events: ${JSON.stringify(jobRequests)}, page: ${JSON.stringify(watch)}`);
  if (jobRequests.streams !== 1 || jobRequests.polls !== 0 || watch.polls !== 0 || watch.events < 2)
    fail(`expected one event stream and no polls for the first song: network ${JSON.stringify(jobRequests)}, page ${JSON.stringify(watch)}`);
  const roll = await page.$eval('#roll', (c) => ({ notes: Number(c.dataset.notesDrawn), lanes: Number(c.dataset.lanesWithNotes), width: c.width }));
  log(`piano roll: ${roll.notes} notes in ${roll.lanes} lanes, ${roll.width} px wide`);
  if (roll.lanes < 3) fail(`notes drawn in ${roll.lanes} lanes, expected at least 3`);

  // The pixels agree: coloured cells in at least three lanes of the canvas itself.
  const paintedLanes = await page.$eval('#roll', (c) => {
    const g = c.getContext('2d');
    const lanes = Number(document.querySelectorAll('#lanes .lane').length);
    let painted = 0;
    for (let i = 0; i < lanes; i++) {
      const d = g.getImageData(0, 18 + i * 90 + 16, c.width, 70).data;
      let coloured = 0;
      for (let p = 0; p < d.length; p += 4) if (Math.max(d[p], d[p + 1], d[p + 2]) - Math.min(d[p], d[p + 1], d[p + 2]) > 60) coloured++;
      if (coloured > 0) painted++;
    }
    return painted;
  });
  if (paintedLanes < 3) fail(`coloured pixels in ${paintedLanes} lanes of the canvas, expected at least 3`);

  // The audio loads and has a duration. The song was done before its WAV (sent while the server renders
  // it): the duration is the header's, the whole song's (8 bars at 120 bpm, 16 s, and the 1.5 s tail).
  const tAudio = Date.now();
  await page.waitForFunction(() => document.getElementById('player').readyState >= 1, { timeout: 30000 });
  const duration = await page.$eval('#player', (a) => a.duration);
  log(`audio duration ${duration.toFixed(2)} s, playable ${Date.now() - tAudio} ms after the roll was drawn`);
  if (!(Math.abs(duration - 17.5) < 0.05)) fail(`audio duration ${duration}, expected 17.5 s`);

  // The playhead follows the audio: seek, and the line moves to that time.
  await page.$eval('#player', (a) => { a.currentTime = Math.min(2, a.duration / 2); });
  await page.waitForFunction(() => Number(document.getElementById('roll').dataset.playheadX) > 0, { timeout: 10000 });

  // The MIDI download parses with the project's own reader.
  const href = await page.$eval('#dl-mid', (a) => a.href);
  const midi = await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer())), href);
  fs.writeFileSync(path.join(work, 'download.mid'), Buffer.from(midi));
  const inspected = run(['inspect', path.join(work, 'download.mid')]);
  if (!/note/i.test(inspected)) fail(`quintet inspect says: ${inspected}`);

  fs.mkdirSync(artefactDir, { recursive: true });
  await page.screenshot({ path: path.join(artefactDir, 'studio.png'), fullPage: true });

  // The song's metrics next to the corpus: quintet eval's table.
  await page.click('#metrics-button');
  await page.waitForFunction(() => document.querySelectorAll('#metrics tbody tr').length > 10, { timeout: 60000 });
  log(`metrics: ${await page.$$eval('#metrics tbody tr', (rows) => rows.length)} rows`);

  // Solo one lane: the audio becomes a mix of that lane alone, and it loads.
  await page.click('#lanes .lane:nth-child(2) .solo');
  await page.waitForFunction(() => document.getElementById('player').src.includes('mix.wav?lanes=1') &&
    document.getElementById('player').readyState >= 1, { timeout: 30000 });

  // Compare: the same seed at noise 1.0, then both songs ticked in the history, side by side, each playable.
  // This song's event stream is cut (aborted by interception): the page must fall back to polling.
  await setKnob('--noise-sd', '1.0');
  const before = { ...jobRequests };
  await page.setRequestInterception(true);
  intercepting = blockEvents = true;
  await page.click('#generate');
  await page.waitForFunction(() => document.getElementById('song-id').textContent === '000002' ||
    !document.getElementById('error').hidden, { timeout: 60000 });
  blockEvents = intercepting = false;
  await page.setRequestInterception(false);
  const fellBack = await page.evaluate(() => state.jobWatch);
  if (jobRequests.streams - before.streams !== 1 || jobRequests.polls - before.polls < 1 || fellBack.fallbacks !== 1)
    fail(`with the stream cut, expected polling: network ${JSON.stringify(jobRequests)} (before ${JSON.stringify(before)}), page ${JSON.stringify(fellBack)}`);
  log(`stream cut: the page polled (${jobRequests.polls - before.polls} polls)`);
  // The history list is drawn again when a song's job ends, so a box found a moment ago may be gone by the time
  // a mouse click lands on it (CI saw "Node is either not clickable"): tick both through the DOM once they exist.
  await page.waitForFunction(() => ['000001', '000002'].every((id) =>
    document.querySelector(`#history input[data-compare="${id}"]`)), { timeout: 30000 });
  for (const id of ['000001', '000002'])
    await page.$eval(`#history input[data-compare="${id}"]`, (box) => { if (!box.checked) box.click(); });
  await page.waitForFunction(() => {
    const items = [...document.querySelectorAll('#compare .compare-item')];
    return items.length === 2 && items.every((d) => Number(d.querySelector('canvas').dataset.notesDrawn) > 0 &&
      d.querySelector('audio') && d.querySelector('audio').readyState >= 1 && d.querySelector('audio').duration > 0);
  }, { timeout: 30000 });
  await new Promise((r) => setTimeout(r, 300));  // no late render may add a third
  const compared = await page.$$eval('#compare .compare-item', (items) => items.map((d) => d.dataset.song).join(','));
  if (compared !== '000001,000002') fail(`compare shows ${compared}, expected 000001,000002`);
  log('compare: two songs side by side, both playable');
  if (pageErrors.length) fail(`page errors: ${pageErrors.join('; ')}`);

  // Keep and regenerate: lock the piano of the song shown (000002), regenerate the others; the piano's notes
  // are the same, and another lane changed.
  await page.click('#lanes input.lock[data-lane="piano"]');
  await page.click('#regenerate');
  await page.waitForFunction(() => document.getElementById('song-id').textContent === '000003' ||
    !document.getElementById('error').hidden, { timeout: 60000 });
  const kept = await page.evaluate(async () => {
    const get = async (id) => (await fetch(`/api/songs/${id}/notes.json`)).json();
    const [a, b] = [await get('000002'), await get('000003')];
    const same = a.tracks.map((t, i) => JSON.stringify(t.notes) === JSON.stringify(b.tracks[i].notes));
    return { names: a.tracks.map((t) => t.name), same, pianoNotes: a.tracks.find((t) => t.name === 'Piano').notes.length };
  });
  const piano = kept.names.indexOf('Piano');
  if (!kept.same[piano] || kept.pianoNotes === 0) fail(`the locked piano changed (or had no notes): ${JSON.stringify(kept)}`);
  if (kept.same.filter((x, i) => i !== piano && !x).length < 1) fail(`no other lane changed: ${JSON.stringify(kept)}`);
  log('locked piano kept, other lanes regenerated');

  // Train from the page: a VAE-NN run on the store, one epoch per stage; its curve is drawn live and the run
  // joins the runs table.
  await page.select('#train-kind', 'vae-nn');
  await page.select('#train-corpus', 'tiny.qstore');
  await page.$eval('#train-run', (el) => { el.value = 'page-run'; });
  for (const [name, value] of [['--epochs', '1'], ['--latent', '4'], ['--batch', '16']])
    await page.$eval(`[data-train-knob="${name}"]`, (el, v) => { el.value = v; }, value);
  await page.click('#train-start');
  await page.waitForFunction(() => document.getElementById('train-stage').textContent.startsWith('done') ||
    document.getElementById('train-stage').textContent.startsWith('failed') || !document.getElementById('error').hidden, { timeout: 60000 });
  const trainStage = await page.$eval('#train-stage', (e) => e.textContent);
  if (!trainStage.startsWith('done')) fail(`training from the page: ${trainStage} ${await page.$eval('#error', (e) => e.textContent)}`);
  await page.waitForSelector('#runs tbody tr[data-run="page-run"]');
  const points = await page.$eval('#train-curve', (c) => Number(c.dataset.points));
  if (points !== 2) fail(`the training curve shows ${points} points, expected 2 (one epoch per stage)`);
  log('trained a run from the page');

  await page.screenshot({ path: path.join(artefactDir, 'studio-compare.png'), fullPage: true });

  // The drop zone: a real drop (a DataTransfer with a File) of a MIDI from the shared data shows where its
  // tracks go (one line per track of `quintet inspect`), and the next song is primed with it (its settings
  // name the upload); then a file that is not MIDI shows the reader's one line and empties the prime.
  const dropOn = (knob, name, bytes) => page.$eval(`[data-knob="${knob}"]`, (zone, n, b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], n, { type: 'audio/midi' }));
    for (const type of ['dragenter', 'dragover', 'drop'])
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, name, bytes);
  const report = () => page.$eval('[data-knob="--prime"] .report', (r) => r.textContent);
  const midiPath = path.join(dataDir, 'midi', 'mma', 'midi-inc_frankie.mid');
  const inspectedTracks = run(['inspect', midiPath]);
  await dropOn('--prime', 'frankie.mid', [...fs.readFileSync(midiPath)]);
  await page.waitForFunction(() => document.querySelector('[data-knob="--prime"] .report').textContent.startsWith('frankie.mid:'), { timeout: 30000 });
  const mapping = (await report()).split('\n').slice(1);
  log(`upload mapping: ${mapping.join(' | ')}`);
  // Against `quintet inspect`: the tracks' notes add up to the file's note count (its `midi` line), and the
  // lanes they go to are the lanes it lists (merged lanes can be fewer notes: doubled notes become one).
  const fileNotes = inspectedTracks.match(/^midi\s.*?(\d+) notes/m);
  const lanesListed = [...inspectedTracks.matchAll(/^\s+\d+\s+(\S+)\s+\d+\s+(?:yes|no)\s+(\d+)/gm)].filter((m) => Number(m[2]) > 0).map((m) => m[1]);
  if (!fileNotes || !lanesListed.length) fail(`quintet inspect's output was not understood:\n${inspectedTracks}`);
  const lines = mapping.map((l) => l.match(/, (\d+) notes -> (\S+)$/));
  if (!lines.length || lines.some((m) => !m)) fail(`the mapping report is not "..., N notes -> Lane" lines: ${mapping.join(' | ')}`);
  const reportNotes = lines.reduce((sum, m) => sum + Number(m[1]), 0);
  const reportLanes = [...new Set(lines.map((m) => m[2]).filter((l) => l !== 'dropped'))].sort();
  if (reportNotes !== Number(fileNotes[1])) fail(`the mapping report counts ${reportNotes} notes, the file has ${fileNotes[1]}`);
  if (reportLanes.join() !== [...lanesListed].sort().join()) fail(`the report maps to ${reportLanes}, quintet inspect lists ${lanesListed}`);
  const upload = await page.evaluate(() => state.uploads['--prime'][0]);
  await page.click('#generate');
  await page.waitForFunction(() => document.getElementById('song-id').textContent === '000004' ||
    !document.getElementById('error').hidden, { timeout: 60000 });
  const primedError = await page.$eval('#error', (e) => (e.hidden ? '' : e.textContent));
  if (primedError) fail(`generating with the dropped prime: ${primedError}`);
  const primed = await page.evaluate(async () => (await fetch('/api/songs/000004')).json());
  if (primed.knobs['--prime'] !== upload) fail(`the song's --prime is ${primed.knobs['--prime']}, expected the upload ${upload}`);
  log('dropped MIDI primed a song');
  await dropOn('--prime', 'not-midi.mid', [...Buffer.from('this is not a MIDI file\n')]);
  await page.waitForFunction(() => !/^uploading|^$/.test(document.querySelector('[data-knob="--prime"] .report').textContent), { timeout: 30000 });
  const badLine = await report();
  log(`bad upload: ${badLine}`);
  if (!badLine.startsWith('not-midi.mid: ') || badLine.includes('\n')) fail(`a bad upload should show its one-line error, shows: ${badLine}`);
  if (await page.evaluate(() => state.uploads['--prime'] !== undefined)) fail('after a bad upload, the prime must be empty (not the earlier file)');

  if (pageErrors.length) fail(`page errors: ${pageErrors.join('; ')}`);

  // SIGTERM: a clean stop.
  const exited = new Promise((resolve) => studio.on('exit', (code) => resolve(code)));
  studio.kill('SIGTERM');
  const code = await exited;
  studio = null;
  if (code !== 0) fail(`studio exit code ${code} after SIGTERM: ${stderr}`);
  const leftovers = fs.readdirSync(path.join(work, 'runs', '.studio', 'history')).filter((n) => n.startsWith('.tmp-'));
  if (leftovers.length) fail(`half-written songs left: ${leftovers.join(', ')}`);
  log('passed');
} catch (e) {
  console.error(`FAILED: ${e.stack || e.message}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  if (studio) studio.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
}
