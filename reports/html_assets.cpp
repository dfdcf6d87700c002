// The timeline page's stylesheet and script (see html.h). Hand-written vanilla JavaScript and
// canvas, no library, no network. Rules the script keeps: user text (scenario, topics, groups,
// descriptions) reaches the page through textContent only, never innerHTML; every JavaScript
// error is shown in #js-errors (the browser test reads it); body[data-ready] is set once drawn.
#include "reports/html.h"

namespace kraftsim::reports {

const char* const timeline_css = R"CSS(
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { padding: 8px 14px; background: #263238; color: #eee; }
header h1 { font-size: 17px; margin: 0 0 4px 0; }
header .verdict-pass { color: #8f8; } header .verdict-fail { color: #f88; }
#controls { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 6px 14px; background: #eceff1; border-bottom: 1px solid #cfd8dc; }
#controls button { padding: 2px 8px; }
#slider-wrap { position: relative; flex: 1 1 300px; min-width: 200px; }
#slider { width: 100%; }
#markers { position: relative; height: 8px; }
#markers span { position: absolute; top: 0; width: 2px; height: 8px; }
.m-fault { background: #d32f2f; } .m-leader { background: #1565c0; } .m-violation { background: #000; }
#main { display: flex; }
#lane-labels { width: 170px; flex: none; position: relative; }
.lane { position: absolute; left: 0; right: 0; padding-left: 6px; font-size: 12px; cursor: pointer; border-top: 1px solid #e0e0e0; overflow: hidden; white-space: nowrap; }
.lane.hidden { display: none; }
#canvas-wrap { flex: 1; position: relative; overflow: hidden; }
#timeline { display: block; cursor: crosshair; }
#panels { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; padding: 10px 14px; }
.panel { background: #fff; border: 1px solid #ddd; padding: 8px; overflow: auto; max-height: 360px; }
.panel h2 { font-size: 14px; margin: 0 0 6px 0; }
#events li, #checks li { cursor: pointer; }
#events li:hover, #checks li:hover { background: #e3f2fd; }
#events li.sel { background: #bbdefb; }
.k-fault { color: #c62828; } .k-leader { color: #1565c0; } .k-violation { color: #000; font-weight: bold; }
.k-fenced { color: #6a1b9a; } .k-internal { color: #999; } .k-controller { color: #2e7d32; } .k-truncate { color: #e65100; }
.st-held { color: #2e7d32; } .st-violated, .st-missing-expected-violation { color: #c62828; font-weight: bold; }
.st-expected-violation { color: #e65100; } .st-not-applicable { color: #888; }
#guide { grid-column: 1 / 3; background: #fffde7; }
#guide .text { white-space: pre-wrap; }
#details pre { white-space: pre-wrap; margin: 0; }
.legend span { display: inline-block; margin-right: 8px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 3px; vertical-align: middle; }
.logrow { font-family: monospace; font-size: 12px; }
#js-errors { color: #b00; font-weight: bold; padding: 0 14px; }
)CSS";

const char* const timeline_js = R"JS(
"use strict";
(function () {
const errorsBox = document.createElement('div');
errorsBox.id = 'js-errors';
function reportError(text) {
  const d = document.createElement('div');
  d.className = 'js-error';
  d.textContent = 'JavaScript error: ' + text;
  errorsBox.appendChild(d);
}
window.addEventListener('error', function (e) { reportError(e.message + ' at ' + e.lineno); });

const D = JSON.parse(document.getElementById('kraftsim-data').textContent);
const END = Math.max(1, D.run.end_us);
const RPC_COLORS = { Vote: '#e53935', BeginQuorumEpoch: '#8e24aa', EndQuorumEpoch: '#6d4c41', Fetch: '#90a4ae',
  FetchSnapshot: '#546e7a', Produce: '#fb8c00', AlterPartition: '#00897b', BrokerHeartbeat: '#b0bec5',
  BrokerRegistration: '#43a047', JoinGroup: '#3949ab', SyncGroup: '#5c6bc0', Heartbeat: '#9fa8da',
  LeaveGroup: '#283593', OffsetCommit: '#c0ca33', CreateTopics: '#00acc1', Metadata: '#d7ccc8',
  OffsetsForLeaderEpoch: '#f4511e', InitProducerId: '#795548', ListOffsets: '#a1887f', FindCoordinator: '#7986cb' };
const STATE_COLORS = { Leader: '#66bb6a', Follower: '#90caf9', Candidate: '#ffb74d', Prospective: '#ffe082',
  Resigned: '#bcaaa4', Unattached: '#eceff1', fenced: '#ce93d8', unfenced: '#c8e6c9', registering: '#fff59d',
  crashed: '#9e9e9e', 'power-lost': '#616161', paused: '#ffcc80', partitioned: '#ef9a9a' };
const EPOCH_COLORS = ['#42a5f5', '#66bb6a', '#ffa726', '#ab47bc', '#26c6da', '#ec407a', '#9ccc65', '#8d6e63'];
const BULK = { Fetch: 1, FetchResponse: 1, BrokerHeartbeat: 1, BrokerHeartbeatResponse: 1, Heartbeat: 1, HeartbeatResponse: 1 };
const LANE_H = 26, TOP = 34, LABEL_W = 170;

function baseType(t) { return t.endsWith('Response') ? t.slice(0, -8) : t; }
function rpcColor(t) { return RPC_COLORS[baseType(t)] || '#607d8b'; }
function fmtT(us) { return (us / 1e6).toFixed(3) + ' s'; }
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---------------------------------------------------------------- state
const S = { cursor: 0, v0: 0, v1: END, playing: false, speed: 1, order: false, collapse: true,
  hidden: {}, search: null, selected: null, chapter: -1, internal: false };
const messages = D.messages.map(function (m) {
  return { send: m[0], end: m[1] < 0 ? END : m[1], from: m[2], to: m[3], type: D.types[m[4]], bytes: m[5],
    dropped: m[6] === 1, reason: m[7], summary: m[8], seq: m[9], inflight: m[1] < 0 };
});
const keyEvents = D.keys.map(function (k) { return { t: k[0], kind: k[1], node: k[2], text: k[3], seq: k[4] }; });

// Event-order spacing: every moment something happened gets the same width.
const moments = (function () {
  const set = new Set([0, END]);
  messages.forEach(function (m) { set.add(m.send); set.add(m.end); });
  D.bands.forEach(function (b) { set.add(b[3]); set.add(b[4]); });
  keyEvents.forEach(function (k) { set.add(k.t); });
  return Array.from(set).sort(function (a, b) { return a - b; });
})();
function rank(t) {
  let lo = 0, hi = moments.length - 1;
  if (t <= moments[0]) return 0;
  if (t >= moments[hi]) return hi;
  while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (moments[mid] <= t) lo = mid; else hi = mid; }
  const span = moments[hi] - moments[lo];
  return lo + (span > 0 ? (t - moments[lo]) / span : 0);
}
function unrank(r) {
  const i = Math.max(0, Math.min(moments.length - 1, Math.floor(r)));
  const j = Math.min(moments.length - 1, i + 1);
  return moments[i] + (moments[j] - moments[i]) * (r - i);
}
function u(t) { return S.order ? rank(t) : t; }
function uInv(x) { return S.order ? unrank(x) : x; }

// ---------------------------------------------------------------- page
const root = document.body;
const header = el('header');
header.appendChild(el('h1', null, 'kraftsim: ' + D.run.scenario + ' (seed ' + D.run.seed + ')'));
header.appendChild(el('div', null, D.run.description));
const verdict = el('div', { 'class': D.run.passed ? 'verdict-pass' : 'verdict-fail' },
  (D.run.ended ? (D.run.passed ? 'PASSED' : 'FAILED') : 'no verdict in the trace') + ' \u00b7 ' + fmtT(END) +
  ' simulated \u00b7 ' + D.events_total + ' events \u00b7 detail window ' + fmtT(D.window.from) + ' to ' +
  fmtT(Math.min(D.window.to, END)) + ' \u00b7 replay: ' + D.run.replay);
header.appendChild(verdict);
root.appendChild(header);
root.appendChild(errorsBox);

const controls = el('div', { id: 'controls' });
function button(id, text, title, onClick) {
  const b = el('button', { id: id, title: title }, text);
  b.addEventListener('click', onClick);
  controls.appendChild(b);
  return b;
}
const playButton = button('play', '\u25b6 play', 'Play / pause (space)', function () { setPlaying(!S.playing); });
button('prev', '\u25c0 prev', 'Previous event (left arrow)', function () { step(-1); });
button('next', 'next \u25b6', 'Next event (right arrow)', function () { step(1); });
button('zoom-in', '+', 'Zoom in around the cursor', function () { zoom(0.5, S.cursor); });
button('zoom-out', '\u2212', 'Zoom out', function () { zoom(2, S.cursor); });
button('zoom-window', 'window', 'Show the detail window', function () { S.v0 = D.window.from; S.v1 = Math.min(D.window.to, END); draw(); });
button('zoom-all', 'all', 'Show the whole run', function () { S.v0 = 0; S.v1 = END; draw(); });
const speed = el('select', { id: 'speed', title: 'Playback speed (simulated seconds per second)' });
[0.01, 0.1, 0.5, 1, 2, 5, 10].forEach(function (s) { const o = el('option', { value: s }, s + 'x'); if (s === 1) o.selected = true; speed.appendChild(o); });
speed.addEventListener('change', function () { S.speed = parseFloat(speed.value); });
controls.appendChild(speed);
const orderBox = el('input', { type: 'checkbox', id: 'order' });
orderBox.addEventListener('change', function () { S.order = orderBox.checked; S.v0 = 0; S.v1 = END; draw(); });
controls.appendChild(orderBox); controls.appendChild(el('label', { 'for': 'order' }, 'event-order spacing'));
const collapseBox = el('input', { type: 'checkbox', id: 'collapse' }); collapseBox.checked = true;
collapseBox.addEventListener('change', function () { S.collapse = collapseBox.checked; draw(); });
controls.appendChild(collapseBox); controls.appendChild(el('label', { 'for': 'collapse' }, 'collapse Fetch/heartbeats into counts'));
const internalBox = el('input', { type: 'checkbox', id: 'internal' });
internalBox.addEventListener('change', function () { S.internal = internalBox.checked; renderEvents(); renderLogs(); });
controls.appendChild(internalBox); controls.appendChild(el('label', { 'for': 'internal' }, 'show __consumer_offsets'));
const search = el('input', { id: 'search', placeholder: 'search: type=Vote, to=2, epoch=3, text', size: 28 });
search.addEventListener('input', function () { S.search = parseSearch(search.value); renderEvents(); draw(); });
controls.appendChild(search);
const sliderWrap = el('div', { id: 'slider-wrap' });
const slider = el('input', { id: 'slider', type: 'range', min: 0, max: 10000, value: 0 });
slider.addEventListener('input', function () { setCursor(END * slider.value / 10000, false); });
const markers = el('div', { id: 'markers' });
sliderWrap.appendChild(slider); sliderWrap.appendChild(markers);
controls.appendChild(sliderWrap);
const clock = el('span', { id: 'clock' }, fmtT(0));
controls.appendChild(clock);
root.appendChild(controls);
keyEvents.forEach(function (k) {
  const cls = k.kind === 'fault' ? 'm-fault' : k.kind === 'leader' ? 'm-leader' : k.kind === 'violation' ? 'm-violation' : null;
  if (!cls) return;
  const m = el('span', { 'class': cls, title: fmtT(k.t) + ' ' + k.text });
  m.style.left = (100 * k.t / END) + '%';
  markers.appendChild(m);
});

const main = el('div', { id: 'main' });
const labels = el('div', { id: 'lane-labels' });
const wrap = el('div', { id: 'canvas-wrap' });
const canvas = el('canvas', { id: 'timeline' });
wrap.appendChild(canvas);
main.appendChild(labels); main.appendChild(wrap);
root.appendChild(main);

// Rows: the fault strip, the controller-epoch lane, then one row per lane.
const rows = [{ kind: 'faults', label: 'faults' }, { kind: 'epochs', label: 'controller epochs' }];
D.lanes.forEach(function (l, i) { rows.push({ kind: 'lane', lane: i, label: l.label }); });
function visibleRows() { return rows.filter(function (r) { return r.kind !== 'lane' || !S.hidden[r.lane]; }); }
function rowY(lane) {
  const vr = visibleRows();
  for (let i = 0; i < vr.length; i++) if (vr[i].kind === 'lane' && vr[i].lane === lane) return TOP + i * LANE_H + LANE_H / 2;
  return -1;
}
function layoutLabels() {
  labels.textContent = '';
  const vr = visibleRows();
  labels.style.height = (TOP + vr.length * LANE_H) + 'px';
  vr.forEach(function (r, i) {
    const d = el('div', { 'class': 'lane', 'data-row': r.kind }, r.label);
    if (r.kind === 'lane') {
      const l = D.lanes[r.lane];
      d.setAttribute('data-lane', l.id); d.setAttribute('data-role', l.role); d.id = 'lane-' + l.id;
      d.addEventListener('click', function () { showLane(r.lane); });
    }
    d.style.top = (TOP + i * LANE_H) + 'px'; d.style.height = LANE_H + 'px'; d.style.lineHeight = LANE_H + 'px';
    labels.appendChild(d);
  });
}

// ---------------------------------------------------------------- drawing
let W = 800, H = 400;
function xOf(t) { const a = u(S.v0), b = u(S.v1); return (u(t) - a) / Math.max(1e-9, b - a) * W; }
function tOf(x) { const a = u(S.v0), b = u(S.v1); return uInv(a + x / W * (b - a)); }
function hatch(ctx) {
  const p = document.createElement('canvas'); p.width = 8; p.height = 8;
  const c = p.getContext('2d'); c.strokeStyle = 'rgba(198,40,40,0.7)'; c.beginPath(); c.moveTo(0, 8); c.lineTo(8, 0); c.stroke();
  return ctx.createPattern(p, 'repeat');
}
function matches(m) {
  if (!S.search) return true;
  const q = S.search;
  if (q.key === null) return (m.type + ' ' + m.summary + ' ' + (m.reason || '')).toLowerCase().indexOf(q.value) >= 0;
  if (q.key === 'type') return m.type.toLowerCase() === q.value || baseType(m.type).toLowerCase() === q.value;
  if (q.key === 'from') return String(D.lanes[m.from] ? D.lanes[m.from].node : '') === q.value;
  if (q.key === 'to') return String(D.lanes[m.to] ? D.lanes[m.to].node : '') === q.value;
  return (' ' + m.summary + ' ').toLowerCase().indexOf(' ' + q.key + '=' + q.value + ' ') >= 0;
}
function parseSearch(text) {
  text = text.trim().toLowerCase();
  if (!text) return null;
  const eq = text.indexOf('=');
  return eq > 0 ? { key: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim() } : { key: null, value: text };
}
function draw() {
  const vr = visibleRows();
  W = Math.max(300, wrap.clientWidth || (window.innerWidth - LABEL_W - 20));
  H = TOP + vr.length * LANE_H + 6;
  canvas.width = W; canvas.height = H;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
  // axis
  ctx.fillStyle = '#444'; ctx.font = '11px sans-serif';
  for (let i = 0; i <= 8; i++) { const x = i * W / 8; const t = tOf(x); ctx.fillRect(x, TOP - 6, 1, 6); ctx.fillText(fmtT(t), Math.min(x + 2, W - 60), 12); }
  ctx.fillText(S.order ? 'event-order spacing' : 'simulated time', 2, 26);
  vr.forEach(function (r, i) { ctx.fillStyle = i % 2 ? '#fafafa' : '#f3f3f3'; ctx.fillRect(0, TOP + i * LANE_H, W, LANE_H); });
  // window outside: aggregates (grey wash)
  const wx0 = xOf(D.window.from), wx1 = xOf(D.window.to);
  ctx.fillStyle = 'rgba(0,0,0,0.04)'; if (wx0 > 0) ctx.fillRect(0, TOP, Math.max(0, wx0), H); if (wx1 < W) ctx.fillRect(wx1, TOP, W - wx1, H);
  // fault strip across all lanes
  D.periods.forEach(function (p) {
    const x0 = xOf(p[0]), x1 = Math.max(xOf(p[1]), x0 + 2);
    if (x1 < 0 || x0 > W) return;
    ctx.fillStyle = 'rgba(229,57,53,0.08)'; ctx.fillRect(x0, TOP, x1 - x0, H - TOP);
    ctx.fillStyle = 'rgba(229,57,53,0.6)'; ctx.fillRect(x0, TOP + 3, x1 - x0, LANE_H - 6);
  });
  D.faults.forEach(function (f) { const x = xOf(f.t); if (x < 0 || x > W) return; ctx.fillStyle = '#b71c1c'; ctx.fillRect(x - 1, TOP, 2, LANE_H); });
  // controller epochs
  const ey = TOP + LANE_H;
  D.epochs.forEach(function (e) {
    const x0 = xOf(e[2]), x1 = xOf(e[3]);
    if (x1 < 0 || x0 > W) return;
    ctx.fillStyle = EPOCH_COLORS[e[0] % EPOCH_COLORS.length]; ctx.fillRect(x0, ey + 4, Math.max(1, x1 - x0), LANE_H - 8);
    ctx.fillStyle = '#000'; if (x1 - x0 > 60) ctx.fillText('epoch ' + e[0] + ': node ' + e[1], Math.max(x0, 0) + 3, ey + 17);
  });
  // bands
  const pat = hatch(ctx);
  D.bands.forEach(function (b) {
    const y = rowY(b[0]); if (y < 0) return;
    const x0 = xOf(b[3]), x1 = xOf(b[4]);
    if (x1 < 0 || x0 > W) return;
    const top = y - LANE_H / 2 + 3, h = LANE_H - 6;
    if (b[1] === 'network') { ctx.fillStyle = pat; ctx.fillRect(x0, top, Math.max(1, x1 - x0), h); return; }
    if (b[1] === 'process') { ctx.fillStyle = STATE_COLORS[b[2]] || '#9e9e9e'; ctx.fillRect(x0, top, Math.max(1, x1 - x0), h); }
    else { ctx.fillStyle = STATE_COLORS[b[2]] || '#e0e0e0'; const hh = b[1] === 'raft' ? h : h / 2; ctx.fillRect(x0, top + (h - hh), Math.max(1, x1 - x0), hh); }
    if (x1 - x0 > 50) { ctx.fillStyle = '#222'; ctx.fillText(b[2] + (b[5] >= 0 && b[1] === 'raft' ? ' e' + b[5] : ''), Math.max(0, x0) + 2, y + 4); }
  });
  // aggregates: counts per bucket outside the window, and collapsed bulk traffic inside it
  const perLane = {};
  function addCount(lane, bucket, n) { const k = lane + ':' + bucket; perLane[k] = (perLane[k] || 0) + n; }
  D.counts.forEach(function (c) { addCount(c[1], c[0], c[4]); });
  if (S.collapse) messages.forEach(function (m) { if (BULK[m.type]) addCount(m.from, Math.floor(m.send / D.bucket_us), 1); });
  ctx.font = '9px sans-serif';
  Object.keys(perLane).forEach(function (k) {
    const parts = k.split(':'); const lane = +parts[0], bucket = +parts[1];
    if (S.hidden[lane]) return;
    const y = rowY(lane); if (y < 0) return;
    const x0 = xOf(bucket * D.bucket_us), x1 = xOf((bucket + 1) * D.bucket_us);
    if (x1 < 0 || x0 > W) return;
    ctx.fillStyle = 'rgba(96,125,139,' + Math.min(0.5, 0.05 + Math.log10(1 + perLane[k]) / 8) + ')';
    ctx.fillRect(x0, y + LANE_H / 2 - 7, Math.max(1, x1 - x0 - 1), 4);
    if (x1 - x0 > 22) { ctx.fillStyle = '#37474f'; ctx.fillText(String(perLane[k]), x0 + 1, y + LANE_H / 2 - 8); }
  });
  ctx.font = '11px sans-serif';
  // messages (fainter when many overlap, so a dense moment still shows its shape)
  let drawn = 0;
  const shown = messages.filter(function (m) {
    return !(S.collapse && BULK[m.type]) && !S.hidden[m.from] && !S.hidden[m.to] && m.end >= S.v0 && m.send <= S.v1;
  });
  const alpha = shown.length > 2000 ? 0.25 : shown.length > 300 ? 0.5 : 0.9;
  shown.forEach(function (m) {
    const y0 = rowY(m.from), y1 = rowY(m.to); if (y0 < 0 || y1 < 0) return;
    const x0 = xOf(m.send), x1 = xOf(m.end);
    const hit = matches(m);
    ctx.globalAlpha = S.search && !hit ? 0.08 : (S.search ? 1 : alpha);
    ctx.strokeStyle = rpcColor(m.type); ctx.lineWidth = S.selected === m ? 3 : 1.2;
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
    if (m.dropped) { ctx.strokeStyle = '#d50000'; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(x1 - 4, y1 - 4); ctx.lineTo(x1 + 4, y1 + 4); ctx.moveTo(x1 - 4, y1 + 4); ctx.lineTo(x1 + 4, y1 - 4); ctx.stroke(); }
    else { ctx.fillStyle = rpcColor(m.type); ctx.beginPath(); ctx.arc(x1, y1, 2, 0, 7); ctx.fill(); }
    drawn++;
  });
  ctx.globalAlpha = 1; ctx.lineWidth = 1;
  // violations and cursor
  D.checks.forEach(function (c) { if (c.violation < 0) return; const x = xOf(c.violation); ctx.fillStyle = '#000'; ctx.fillRect(x - 1, TOP, 2, H - TOP); });
  const cx = xOf(S.cursor); ctx.fillStyle = '#1565c0'; ctx.fillRect(cx - 1, 0, 2, H);
  clock.textContent = fmtT(S.cursor) + ' (' + drawn + ' arrows)';
  slider.value = Math.round(10000 * S.cursor / END);
  renderLogs();
}

// ---------------------------------------------------------------- partition logs at the cursor
const logsPanel = el('div', { 'class': 'panel', id: 'logs' });
function epochAt(p, offset) {
  let best = -1, start = -1;
  p.epochs.forEach(function (e) { if (e[1] <= offset && e[1] >= start) { best = e[0]; start = e[1]; } });
  return best;
}
function renderLogs() {
  logsPanel.textContent = '';
  logsPanel.appendChild(el('h2', null, 'Partition logs at ' + fmtT(S.cursor)));
  const legend = el('div', { 'class': 'legend' });
  [['committed (below the high watermark)', '#42a5f5'], ['uncommitted', '#bbdefb'], ['truncated', '#ff7043'], ['lost acknowledged', '#000']].forEach(function (x) {
    const s = el('span'); const i = el('i'); i.style.background = x[1]; s.appendChild(i); s.appendChild(document.createTextNode(x[0])); legend.appendChild(s);
  });
  logsPanel.appendChild(legend);
  D.partitions.forEach(function (p) {
    if (!S.internal && p.name.indexOf('__') === 0) return;
    const block = el('div', { 'class': 'partition', 'data-partition': p.name });
    block.appendChild(el('h3', null, p.name + ' (cell colour = leader epoch of the record)'));
    const states = {};
    p.samples.forEach(function (s) { if (s[0] <= S.cursor) states[s[1]] = s; });
    let leaderIsr = '';
    Object.keys(states).forEach(function (n) { if (states[n][2] === 'Leader') leaderIsr = states[n][7]; });
    const isr = leaderIsr ? leaderIsr.split(',') : [];
    let maxLeo = 1;
    Object.keys(states).forEach(function (n) { maxLeo = Math.max(maxLeo, states[n][6]); });
    const cells = Math.min(60, maxLeo), per = Math.max(1, Math.ceil(maxLeo / cells));
    p.replicas.forEach(function (node) {
      const s = states[node];
      const row = el('div', { 'class': 'logrow' });
      if (!s) { row.textContent = 'node ' + node + ': not yet hosting'; block.appendChild(row); return; }
      const inIsr = isr.indexOf(String(node)) >= 0;
      const trunc = p.changes.filter(function (c) { return c[1] === node && c[2] !== 'assign-epoch' && c[0] <= S.cursor && S.cursor - c[0] < 5e6; }).pop();
      row.appendChild(document.createTextNode('node ' + node + ' ' + s[2] + ' (leader epoch ' + s[4] + ') LEO ' + s[6] + ' HW ' + s[5] +
        (s[2] === 'Leader' ? ' ISR ' + s[7] : (inIsr ? ' in ISR' : ' not in ISR')) + (trunc ? ' truncated to ' + trunc[3] + (trunc[6] ? ' BELOW HW' : '') : '') + ' '));
      const c = el('canvas', { width: cells * 9 + 20, height: 14 });
      const ctx = c.getContext('2d');
      for (let i = 0; i < cells; i++) {
        const off = i * per;
        let color = '#f5f5f5';
        if (off < s[6]) { const e = epochAt(p, off); color = EPOCH_COLORS[((e % EPOCH_COLORS.length) + EPOCH_COLORS.length) % EPOCH_COLORS.length]; }
        ctx.fillStyle = color; ctx.globalAlpha = off < s[5] ? 1 : 0.35; ctx.fillRect(i * 9, 1, 8, 12);
        if (trunc && off >= trunc[3] && trunc[4] >= 0 && off < trunc[4]) { ctx.globalAlpha = 1; ctx.fillStyle = '#ff7043'; ctx.fillRect(i * 9, 1, 8, 12); }
      }
      ctx.globalAlpha = 1;
      if (s[2] === 'Leader') p.acked.forEach(function (a) {
        if (!a[4] || a[0] > S.cursor) return;
        for (let off = a[2]; off < a[2] + a[3]; off += per) { const i = Math.floor(off / per); if (i < cells) { ctx.strokeStyle = '#000'; ctx.beginPath(); ctx.moveTo(i * 9, 1); ctx.lineTo(i * 9 + 8, 13); ctx.moveTo(i * 9, 13); ctx.lineTo(i * 9 + 8, 1); ctx.stroke(); } }
      });
      ctx.fillStyle = '#d50000'; ctx.fillRect(Math.min(cells, s[5] / per) * 9 - 1, 0, 2, 14);
      ctx.fillStyle = '#000'; ctx.fillRect(Math.min(cells, s[6] / per) * 9, 0, 2, 14);
      row.appendChild(c);
      block.appendChild(row);
    });
    if (per > 1) block.appendChild(el('div', null, 'one cell = ' + per + ' offsets; red bar = high watermark, black bar = log end offset'));
    if (p.lost > 0) block.appendChild(el('div', { 'class': 'k-violation' }, p.lost + ' acknowledged record(s) of ' + p.name + ' are not in the final leader\u2019s log (marked X on the leader).'));
    logsPanel.appendChild(block);
  });
  if (!D.partitions.length) logsPanel.appendChild(el('div', null, 'No partitions in this run.'));
}

// ---------------------------------------------------------------- panels
const panels = el('div', { id: 'panels' });
const guide = el('div', { 'class': 'panel', id: 'guide' });
const eventsPanel = el('div', { 'class': 'panel' });
const eventsList = el('ol', { id: 'events' });
const checksPanel = el('div', { 'class': 'panel' });
const detailsPanel = el('div', { 'class': 'panel', id: 'details' });
const chartsPanel = el('div', { 'class': 'panel', id: 'charts' });
panels.appendChild(guide); panels.appendChild(logsPanel); panels.appendChild(detailsPanel);
detailsPanel.appendChild(el('h2', null, 'Details'));
detailsPanel.appendChild(el('div', null, 'Click an arrow or a lane in the timeline, an event or an invariant below. ' +
  'Keys: left/right arrow = previous/next event, space = play/pause, + and - = zoom; drag to pan, wheel to zoom.'));
const legend = el('div', { 'class': 'legend' });
Object.keys(RPC_COLORS).forEach(function (k) { const s = el('span'); const i = el('i'); i.style.background = RPC_COLORS[k]; s.appendChild(i); s.appendChild(document.createTextNode(k)); legend.appendChild(s); });
Object.keys(STATE_COLORS).forEach(function (k) { const s = el('span'); const i = el('i'); i.style.background = STATE_COLORS[k]; s.appendChild(i); s.appendChild(document.createTextNode(k)); legend.appendChild(s); });
detailsPanel.appendChild(el('h3', null, 'Colours: message arrows by RPC (a cross = dropped), state bands'));
detailsPanel.appendChild(legend);
panels.appendChild(eventsPanel); panels.appendChild(checksPanel); panels.appendChild(chartsPanel);
root.appendChild(panels);
eventsPanel.appendChild(el('h2', null, 'Events (faults, elections, leaders, ISR, fencing, truncations, violations)'));
eventsPanel.appendChild(eventsList);

function renderEvents() {
  eventsList.textContent = '';
  keyEvents.forEach(function (k, i) {
    if (!S.internal && k.kind === 'internal') return;
    if (S.search && S.search.key === null && (k.kind + ' ' + k.text).toLowerCase().indexOf(S.search.value) < 0) return;
    const li = el('li', { 'class': 'k-' + k.kind, 'data-kind': k.kind, 'data-t': k.t, id: 'ev-' + i }, fmtT(k.t) + '  ' + k.text);
    li.addEventListener('click', function () { setCursor(k.t, true); showKey(k); });
    eventsList.appendChild(li);
  });
}
function renderChecks() {
  checksPanel.appendChild(el('h2', null, 'Invariants'));
  const ul = el('ul', { id: 'checks' });
  D.checks.forEach(function (c) {
    const at = c.violation >= 0 ? c.violation : c.at;
    const li = el('li', { 'class': 'st-' + c.status, 'data-check': c.id },
      c.id + ': ' + c.status + (c.violation >= 0 ? ' at ' + fmtT(c.violation) : ' (judged at ' + fmtT(c.at) + ')') + ' \u2014 ' + c.detail);
    li.addEventListener('click', function () { setCursor(at, true); });
    ul.appendChild(li);
  });
  if (!D.checks.length) ul.appendChild(el('li', null, 'No verdicts in the trace.'));
  checksPanel.appendChild(ul);
}
function renderCharts() {
  chartsPanel.appendChild(el('h2', null, 'Throughput (acknowledged records/s) and produce latency (ms); faults shaded'));
  const c = el('canvas', { id: 'chart', width: 560, height: 200 });
  chartsPanel.appendChild(c);
  const ctx = c.getContext('2d');
  const n = D.throughput.length, w = 560 / n, secs = D.bucket_us / 1e6;
  let maxRate = 1, maxLat = 1;
  D.throughput.forEach(function (b) { maxRate = Math.max(maxRate, b[0] / secs); if (b[5]) maxLat = Math.max(maxLat, b[3] / b[5] / 1000); });
  D.periods.forEach(function (p) { ctx.fillStyle = 'rgba(229,57,53,0.15)'; ctx.fillRect(p[0] / D.bucket_us * w, 0, Math.max(2, (p[1] - p[0]) / D.bucket_us * w), 200); });
  D.throughput.forEach(function (b, i) { const h = 90 * (b[0] / secs) / maxRate; ctx.fillStyle = '#fb8c00'; ctx.fillRect(i * w, 95 - h, Math.max(1, w - 0.5), h); });
  ctx.strokeStyle = '#3949ab'; ctx.beginPath(); let started = false;
  D.throughput.forEach(function (b, i) { if (!b[5]) return; const y = 195 - 90 * (b[3] / b[5] / 1000) / maxLat; if (!started) { ctx.moveTo(i * w, y); started = true; } else ctx.lineTo(i * w, y); });
  ctx.stroke();
  ctx.fillStyle = '#000'; ctx.font = '10px sans-serif';
  ctx.fillText('max ' + Math.round(maxRate) + ' records/s', 4, 10); ctx.fillText('mean latency, max ' + maxLat.toFixed(1) + ' ms', 4, 110);
  c.addEventListener('click', function (e) { setCursor(e.offsetX / 560 * n * D.bucket_us, true); });
}
function showDetails(title, lines) {
  detailsPanel.textContent = '';
  detailsPanel.appendChild(el('h2', null, title));
  detailsPanel.appendChild(el('pre', null, lines.join('\n')));
}
function showKey(k) { showDetails('Event at ' + fmtT(k.t), ['kind: ' + k.kind, 'node: ' + k.node, 'trace seq: ' + k.seq, k.text]); }
function showMessage(m) {
  showDetails(m.type + (m.dropped ? ' (dropped)' : ''), ['from: ' + D.lanes[m.from].label, 'to: ' + (D.lanes[m.to] ? D.lanes[m.to].label : '?'),
    'sent: ' + fmtT(m.send), (m.dropped ? 'dropped: ' : m.inflight ? 'never delivered, ' : 'delivered: ') + fmtT(m.end) + (m.reason ? ' (' + m.reason + ')' : ''),
    'bytes: ' + m.bytes, 'fields: ' + m.summary, 'trace seq: ' + m.seq]);
}
function showLane(i) {
  const l = D.lanes[i];
  const lines = ['node: ' + l.node, 'role: ' + l.role];
  D.nodes.forEach(function (n) { if (n.node === l.node) lines.push('process.roles: ' + n.roles); });
  D.clients.forEach(function (c) { if (c.node === l.node) lines.push('client: ' + c.kind + ' topic ' + c.topic + (c.group ? ' group ' + c.group : '') + (c.acks ? ' acks=' + c.acks : '') + (c.compression ? ' compression.type=' + c.compression : '')); });
  D.bands.forEach(function (b) { if (b[0] === i) lines.push(fmtT(b[3]) + ' .. ' + fmtT(b[4]) + '  ' + b[1] + ': ' + b[2] + (b[5] >= 0 ? ' (epoch ' + b[5] + ')' : '')); });
  const hideBox = el('button', null, S.hidden[i] ? 'show this lane' : 'hide this lane');
  showDetails(l.label, lines.slice(0, 400));
  hideBox.addEventListener('click', function () { S.hidden[i] = !S.hidden[i]; layoutLabels(); draw(); showLane(i); });
  detailsPanel.insertBefore(hideBox, detailsPanel.children[1]);
}
function hiddenLanesControl() {
  const d = el('div', null, 'lanes: ');
  D.lanes.forEach(function (l, i) {
    const b = el('input', { type: 'checkbox', id: 'show-' + l.id }); b.checked = true;
    b.addEventListener('change', function () { S.hidden[i] = !b.checked; layoutLabels(); draw(); });
    d.appendChild(b); d.appendChild(el('label', { 'for': 'show-' + l.id }, l.label + ' '));
  });
  controls.appendChild(d);
}

// ---------------------------------------------------------------- guided mode
function renderChapter() {
  guide.textContent = '';
  guide.appendChild(el('h2', null, 'Guided mode: the story of this run'));
  if (!D.chapters.length) { guide.appendChild(el('div', null, 'No chapters.')); return; }
  const i = Math.max(0, S.chapter);
  const c = D.chapters[i];
  guide.appendChild(el('h3', { id: 'chapter-title' }, (i + 1) + ' / ' + D.chapters.length + ': ' + c.title));
  guide.appendChild(el('div', { 'class': 'text', id: 'chapter-text' }, c.text));
  const back = el('button', { id: 'chapter-back' }, '\u25c0 Back'); back.disabled = i === 0;
  const next = el('button', { id: 'chapter-next' }, 'Continue \u25b6'); next.disabled = i === D.chapters.length - 1;
  back.addEventListener('click', function () { location.hash = D.chapters[i - 1].anchor; });
  next.addEventListener('click', function () { location.hash = D.chapters[i + 1].anchor; });
  guide.appendChild(back); guide.appendChild(next);
  const toc = el('div');
  D.chapters.forEach(function (ch, j) { const a = el('a', { href: '#' + ch.anchor }, (j + 1) + '. ' + ch.title); toc.appendChild(a); toc.appendChild(document.createTextNode('  ')); });
  guide.appendChild(toc);
}
function onHash() {
  const h = location.hash.slice(1);
  let i = -1;
  D.chapters.forEach(function (c, j) { if (c.anchor === h) i = j; });
  if (i < 0) { S.chapter = 0; renderChapter(); return; }
  S.chapter = i;
  renderChapter();
  const t = D.chapters[i].t;
  setCursor(t, false);
  const span = Math.max(2e6, (S.v1 - S.v0));
  if (t < S.v0 || t > S.v1) { S.v0 = Math.max(0, t - span / 4); S.v1 = Math.min(END, S.v0 + span); }
  draw();
}

// ---------------------------------------------------------------- navigation
function setCursor(t, center) {
  S.cursor = Math.max(0, Math.min(END, t));
  if (center && (S.cursor < S.v0 || S.cursor > S.v1)) { const span = S.v1 - S.v0; S.v0 = Math.max(0, S.cursor - span / 2); S.v1 = Math.min(END, S.v0 + span); }
  draw();
}
const stepTimes = (function () {
  const s = new Set();
  keyEvents.forEach(function (k) { s.add(k.t); });
  messages.forEach(function (m) { if (!BULK[m.type]) s.add(m.send); });
  return Array.from(s).sort(function (a, b) { return a - b; });
})();
function step(dir) {
  let t = S.cursor;
  if (dir > 0) { for (let i = 0; i < stepTimes.length; i++) if (stepTimes[i] > S.cursor) { t = stepTimes[i]; break; } }
  else { for (let i = stepTimes.length - 1; i >= 0; i--) if (stepTimes[i] < S.cursor) { t = stepTimes[i]; break; } }
  setCursor(t, true);
}
function zoom(f, at) {
  const a = u(S.v0), b = u(S.v1), c = u(at);
  let na = c - (c - a) * f, nb = c + (b - c) * f;
  const lo = u(0), hi = u(END);
  if (nb - na < (S.order ? 2 : 1000)) return;
  S.v0 = Math.max(0, uInv(Math.max(lo, na))); S.v1 = Math.min(END, uInv(Math.min(hi, nb)));
  draw();
}
let last = 0;
function frame(now) {
  if (!S.playing) return;
  if (last) setCursor(S.cursor + (now - last) * 1000 * S.speed, true);
  last = now;
  if (S.cursor >= END) { setPlaying(false); return; }
  requestAnimationFrame(frame);
}
function setPlaying(p) { S.playing = p; playButton.textContent = p ? '\u275a\u275a pause' : '\u25b6 play'; last = 0; if (p) requestAnimationFrame(frame); }
canvas.addEventListener('wheel', function (e) { e.preventDefault(); zoom(e.deltaY > 0 ? 1.25 : 0.8, tOf(e.offsetX)); }, { passive: false });
let drag = null;
canvas.addEventListener('mousedown', function (e) { drag = { x: e.offsetX, v0: S.v0, v1: S.v1, moved: false }; });
window.addEventListener('mouseup', function () { setTimeout(function () { drag = null; }, 0); });
canvas.addEventListener('mousemove', function (e) {
  if (!drag) return;
  const dx = e.offsetX - drag.x; if (Math.abs(dx) > 3) drag.moved = true; if (!drag.moved) return;
  const a = u(drag.v0), b = u(drag.v1), d = -dx / W * (b - a);
  if (u(0) > a + d || b + d > u(END)) return;
  S.v0 = uInv(a + d); S.v1 = uInv(b + d); draw();
});
canvas.addEventListener('click', function (e) {
  if (drag && drag.moved) return;
  const t = tOf(e.offsetX);
  let best = null, bestD = 6;
  messages.forEach(function (m) {
    if ((S.collapse && BULK[m.type]) || S.hidden[m.from] || S.hidden[m.to]) return;
    const x0 = xOf(m.send), x1 = xOf(m.end), y0 = rowY(m.from), y1 = rowY(m.to);
    if (y0 < 0 || y1 < 0) return;
    const dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    const k = len2 ? Math.max(0, Math.min(1, ((e.offsetX - x0) * dx + (e.offsetY - y0) * dy) / len2)) : 0;
    const d = Math.hypot(e.offsetX - (x0 + k * dx), e.offsetY - (y0 + k * dy));
    if (d < bestD) { bestD = d; best = m; }
  });
  S.selected = best;
  if (best) showMessage(best);
  else {
    const vr = visibleRows(); const r = vr[Math.floor((e.offsetY - TOP) / LANE_H)];
    if (r && r.kind === 'lane') showLane(r.lane);
  }
  setCursor(t, false);
});
document.addEventListener('keydown', function (e) {
  if (e.target && e.target.tagName === 'INPUT' && e.target.type !== 'checkbox' && e.target.type !== 'range') return;
  if (e.key === 'ArrowRight') { step(1); e.preventDefault(); }
  else if (e.key === 'ArrowLeft') { step(-1); e.preventDefault(); }
  else if (e.key === ' ') { setPlaying(!S.playing); e.preventDefault(); }
  else if (e.key === '+') zoom(0.5, S.cursor);
  else if (e.key === '-') zoom(2, S.cursor);
});
window.addEventListener('resize', draw);
window.addEventListener('hashchange', onHash);

// ---------------------------------------------------------------- start
hiddenLanesControl();
layoutLabels();
renderEvents();
renderChecks();
renderCharts();
// A run too large for full detail opens on its detail window.
if (D.window.given || D.window.from > 0 || D.window.to <= END) { S.v0 = D.window.from; S.v1 = Math.min(D.window.to, END); }
draw();
onHash();
document.body.setAttribute('data-ready', '1');
})();
)JS";

}  // namespace kraftsim::reports
