'use strict';

// Every API path this page uses, in one place.
const API = {
  status: '/api/v1/status',
  alerts: '/api/v1/alerts',
  stream: '/api/v1/events/stream',
  explainVm: (vm) => '/api/v1/vms/' + encodeURIComponent(vm) + '/explain',
};
// The token lives in this tab's sessionStorage only: gone when the tab closes, never in a URL.
const TOKEN_KEY = 'vmha.api.token';
// The tables are read again this often, and at once after each decision the timeline receives.
const REFRESH_MS = 2000;
// A dropped timeline reconnects after this long (it starts again from the cluster's recent events).
const RECONNECT_MS = 2000;
const TIMELINE_MAX = 500;

const $ = (id) => document.getElementById(id);
let refreshTimer = null;
let refreshing = false;
let refreshAgain = false;
let stream = null;
const timeline = [];

// ---- rendering: data goes in as text only (textContent, attributes), never as HTML ----

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) tr.appendChild(c instanceof Node ? c : el('td', c));
  return tr;
}

function cell(text, cls) {
  return el('td', text, cls);
}

function button(label, onClick) {
  const td = document.createElement('td');
  const b = el('button', label);
  b.type = 'button';
  b.addEventListener('click', onClick);
  td.appendChild(b);
  return td;
}

function fill(tbodyParent, rows, empty, columns) {
  const tbody = $(tbodyParent).querySelector('tbody');
  tbody.replaceChildren(...rows);
  if (rows.length === 0) {
    const td = el('td', empty, 'note');
    td.colSpan = columns;
    tbody.appendChild(row([td]));
  }
}

/** 850 → "850 ms", 12000 → "12 s", 200000 → "3 min", as the CLI writes durations. */
function duration(ms) {
  if (ms < 1000) return ms + ' ms';
  if (ms < 120000) return Math.round(ms / 1000) + ' s';
  if (ms < 7200000) return Math.round(ms / 60000) + ' min';
  return Math.round(ms / 3600000) + ' h';
}

function time(iso) {
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleTimeString([], { hour12: false }) + '.'
      + String(d.getMilliseconds()).padStart(3, '0');
}

/** Why a VM is in its state, from the fields its kind has (master/VmState). */
function vmReason(state) {
  switch (state.kind) {
    case 'running': return '';
    case 'last-reported':
    case 'unknown': return 'host ' + (state.verdict || 'silent') + (state.why ? ': ' + state.why : '')
        + ' (unknown since ' + time(state.unknownSince) + ')';
    case 'fenced': return state.why;
    case 'starting': return 'attempt ' + state.attempt + ' since ' + time(state.since);
    case 'waiting': return state.lost + (state.why ? '; waiting: ' + state.why : '');
    case 'retry-scheduled': return state.failedAttempts + ' failed starts; next at ' + time(state.at);
    case 'given-up': return state.why;
    default: return '';
  }
}

function renderStatus(s) {
  $('agent').textContent = 'agent ' + s.host + ' (' + s.role + '), master ' + (s.master || 'none');
  const note = s.note || (s.apiAuth === 'NONE' ? 'this agent serves its API without authentication' : '');
  $('note').textContent = note;
  $('note').hidden = !note;
  const c = s.cluster;
  const link = $('master-link');
  const master = c && c.hosts.find((h) => h.id === c.master);
  link.hidden = !master || s.role === 'MASTER';
  if (master) link.href = 'http://' + master.address + ':' + master.httpPort + '/ui/';

  fill('hosts', (c ? c.hosts : []).map((h) => {
    const tr = row([cell(h.id, 'id'), cell(h.role, 'role'), cell(h.verdict, 'verdict verdict-' + h.verdict),
      cell(h.reason, 'reason'), cell(h.reachability, 'reachability'), cell(duration(h.silenceMs), 'age'),
      cell(h.freeMemoryMb + ' / ' + h.memoryMb + ' MB'), cell(h.vms.length), button('explain', () => explainHost(h))]);
    tr.dataset.host = h.id;
    tr.dataset.verdict = h.verdict;
    return tr;
  }), c ? 'no hosts' : 'no cluster view: ' + (s.note || 'no master'), 9);

  fill('vms', (c ? c.vms : []).map((v) => {
    const tr = row([cell(v.name, 'id'), cell(v.state.kind, 'state'), cell(v.host, 'host'),
      cell(vmReason(v.state), 'reason'), cell(v.memoryMb + ' MB'), button('explain', () => explainVm(v.name))]);
    tr.dataset.vm = v.name;
    tr.dataset.host = v.host;
    tr.dataset.state = v.state.kind;
    return tr;
  }), 'no protected VMs', 6);

  renderCapacity(c);

  fill('datastores', (c ? c.datastores : []).map((d) => {
    const corrupt = Object.entries(d.corrupt || {}).map(([f, why]) => f + ': ' + why).join('; ');
    const tr = row([cell(d.name), cell(d.accessible ? 'yes' : 'NO', d.accessible ? '' : 'error'), cell(corrupt)]);
    tr.dataset.datastore = d.name;
    return tr;
  }), 'none seen yet', 3);
}

/** "HOST_FAILURES" → "host-failures", as vmha.capacity.policy spells it. */
function configName(e) {
  return String(e).toLowerCase().replace(/_/g, '-');
}

/**
 * The master's capacity plan (cluster.capacity, master/CapacityWatch): the policy, N, the largest N a plan exists
 * for, OK or OVERCOMMITTED with why, and the VMs beyond the plan — protected ones a failure would leave without room,
 * and those waiting now because a failure beyond the plan left them without room (handled as best-effort).
 */
function renderCapacity(c) {
  const p = c ? c.capacity : null;
  const verdict = !p ? 'not planned yet' : p.policy === 'DISABLED' ? 'not checked' : p.ok ? 'OK' : 'OVERCOMMITTED';
  $('capacity').dataset.ok = p ? String(p.ok) : '';
  $('capacity').dataset.policy = p ? configName(p.policy) : '';
  $('capacity-verdict').textContent = verdict;
  $('capacity-verdict').className = p && !p.ok ? 'error' : 'ok';
  $('capacity-plan').textContent = !p ? (c ? 'the master has not planned yet' : 'no cluster view')
      : 'policy ' + configName(p.policy) + (p.policy === 'HOST_FAILURES' ? ', N = ' + p.hostFailures : '')
      + (p.max ? '; a failover plan exists for up to ' + p.max.failures + ' host failure'
        + (p.max.failures === 1 ? '' : 's') + (p.max.exact ? '' : ' at least (' + p.max.note + ')') : '');
  $('capacity-violations').replaceChildren(...(p ? p.violations : []).map((v) => el('li', v, 'error')));
  const beyond = (p ? p.wouldNotComeBack : []).map((u) => {
    const tr = row([cell(u.vm, 'id'), cell(u.host), cell(configName(u.priority)), cell('if ' + u.failed.join(', ')
        + ' failed'), cell(u.why)]);
    tr.dataset.vm = u.vm;
    return tr;
  });
  for (const v of (c ? c.vms : []).filter((x) => x.state.waitingFor === 'beyond-plan')) {
    const tr = row([cell(v.name, 'id'), cell(v.host), cell(configName(v.protection.priority)), cell('now'),
      cell(v.state.why)]);
    tr.dataset.vm = v.name;
    tr.dataset.waiting = 'true';
    beyond.push(tr);
  }
  fill('capacity-vms', beyond, p && p.policy !== 'DISABLED' ? 'none: every protected VM has room after the failures'
      + ' the policy covers' : '', 5);
}

function renderAlerts(alerts) {
  fill('alerts', alerts.slice().reverse().map((a) => {
    const tr = row([cell(time(a.at)), cell(a.severity, 'severity-' + a.severity), cell(a.kind), cell(a.subject),
      cell(a.message)]);
    tr.dataset.kind = a.kind;
    return tr;
  }), 'no alerts', 5);
}

function eventItem(v) {
  const li = document.createElement('li');
  li.className = v.type;
  li.dataset.type = v.type;
  li.dataset.vms = v.vms.join(' ');
  li.dataset.hosts = v.hosts.join(' ');
  li.append(el('span', time(v.at), 'time'), el('span', v.by, 'by'), el('span', v.type, 'type'),
      el('span', v.text, 'text'));
  return li;
}

function addToTimeline(v) {
  timeline.push(v);
  if (timeline.length > TIMELINE_MAX) timeline.shift();
  const list = $('timeline');
  list.prepend(eventItem(v));
  while (list.children.length > TIMELINE_MAX) list.lastChild.remove();
}

// ---- explain: a VM from the agent's history, a host from its row and the timeline ----

function showExplain(title, verdict, events, source) {
  $('explain-title').textContent = title;
  $('explain-verdict').textContent = verdict;
  $('explain-events').replaceChildren(...events.map(eventItem));
  $('explain-source').textContent = source;
  $('explain').hidden = false;
  $('explain').scrollIntoView({ block: 'nearest' });
}

async function explainVm(vm) {
  try {
    const r = await api(API.explainVm(vm));
    const body = await r.json();
    if (r.ok) showExplain('Explain VM ' + vm, body.verdict, body.cited, 'from this agent\'s history');
    else showExplain('Explain VM ' + vm, body.error || ('HTTP ' + r.status), [], '');
  } catch (e) {
    showExplain('Explain VM ' + vm, 'the agent did not answer: ' + e.message, [], '');
  }
}

function explainHost(h) {
  const about = timeline.filter((v) => v.hosts.includes(h.id)).slice().reverse();
  showExplain('Explain host ' + h.id, h.id + ' is ' + h.verdict + (h.reason ? ': ' + h.reason : '') + ' ('
      + h.reachability + ', last heard ' + duration(h.silenceMs) + ' ago)', about,
      'the decisions about ' + h.id + ' in this page\'s timeline');
}

// ---- talking to the agent ----

class Unauthorized extends Error {}

async function api(path, init) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = 'Bearer ' + token;
  const r = await fetch(path, Object.assign({ headers, cache: 'no-store' }, init || {}));
  if (r.status === 401) throw new Unauthorized((await r.json().catch(() => ({}))).error || 'HTTP 401');
  return r;
}

function askForToken(why) {
  stop();
  $('login').hidden = false;
  $('login-error').textContent = why || '';
  $('token').focus();
}

/** Reads the tables again in ms milliseconds (one read at a time: a read asked for meanwhile follows it). */
function refreshIn(ms) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, ms);
}

async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    const [s, a] = await Promise.all([api(API.status), api(API.alerts)]);
    if (s.ok) renderStatus(await s.json());
    if (a.ok) renderAlerts(await a.json());
  } catch (e) {
    if (e instanceof Unauthorized) return askForToken(e.message);
    $('agent').textContent = 'agent not answering: ' + e.message;
  } finally {
    refreshing = false;
  }
  refreshIn(refreshAgain ? 0 : REFRESH_MS);
  refreshAgain = false;
}

/**
 * The live timeline: GET /api/v1/events/stream read with fetch, not EventSource, so the token goes in the Authorization
 * header as for every other call (EventSource cannot send headers). Server-sent events: blank-line separated frames,
 * "data:" lines carrying one EventView as JSON.
 */
async function follow() {
  const abort = new AbortController();
  stream = abort;
  let live = false;
  try {
    const r = await api(API.stream, { signal: abort.signal });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    setLive(true);
    live = true;
    $('timeline').replaceChildren();
    timeline.length = 0;
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (data) {
          addToTimeline(JSON.parse(data));
          refreshIn(100);
        }
      }
    }
  } catch (e) {
    if (e instanceof Unauthorized) return askForToken(e.message);
    if (abort.signal.aborted) return;
  }
  if (stream !== abort) return;
  setLive(false, live ? 'timeline: reconnecting' : 'timeline: not connected, retrying');
  setTimeout(follow, RECONNECT_MS);
}

function setLive(on, text) {
  $('live').className = 'live ' + (on ? 'on' : 'off');
  $('live').textContent = on ? 'timeline: live' : text;
}

function stop() {
  clearTimeout(refreshTimer);
  if (stream) stream.abort();
  stream = null;
  setLive(false, 'timeline: not connected');
}

function start() {
  $('login').hidden = true;
  refresh();
  follow();
}

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  $('token').value = '';
  start();
});
$('forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  askForToken('token forgotten');
});
$('explain-close').addEventListener('click', () => { $('explain').hidden = true; });
start();
