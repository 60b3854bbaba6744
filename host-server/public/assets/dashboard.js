// espfleet dashboard: charging stations (/ws?role=client&estacionId=N) and sensor streams
// (/ws/sensor-data/), plain ES modules, no build step. Every message that arrives is decoded,
// and every command sent is encoded, with the protocol package's generated codecs.
import { decodeDashboardMessage, encodeDashboardCommandMessage, CLOSE_REASONS, CHARGER_ERRORS } from '/assets/protocol/generated/charger.js';
import { decodeSensorServerMessage } from '/assets/protocol/generated/sensorStream.js';
import { h } from './dom.js';
import { restClient } from './restClient.js';
import { valveSection } from './valveCards.js';
import { t, locale, translatePage, languageSwitch, sensorLabel, statusLabel, kindLabel, errorText } from './i18n.js';

const TOKEN = new URLSearchParams(location.search).get('token') || '';
const STATUSES = ['disponible', 'cargando', 'emergencia', 'desconectado'];
const MAX_POINTS = 60;
const MAX_HISTORY = 30;
const END_REASONS = ['stop-charger', 'stop-dashboard', 'emergency', 'timeout'];
const rest = restClient(TOKEN);
const api = rest.get;

// ---------------------------------------------------------------------------------------
// Small helpers


const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function fixed(n, digits) {
  return typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '—';
}

function short(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return String(Math.round(n * 100) / 100);
}

function money(n) {
  return typeof n === 'number' && Number.isFinite(n) ? `$${n.toFixed(2)}` : '—';
}

function duration(secs) {
  if (typeof secs !== 'number' || !Number.isFinite(secs) || secs < 0) return '—';
  const t = Math.floor(secs);
  const hh = Math.floor(t / 3600);
  const mm = Math.floor((t % 3600) / 60);
  const ss = t % 60;
  const p = (x) => String(x).padStart(2, '0');
  return `${hh}:${p(mm)}:${p(ss)}`;
}

function clock(ms) {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function dateTime(ms) {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString(locale, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
}

function wsUrl(path, query = {}) {
  const u = new URL(path, location.href);
  u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
  if (TOKEN) u.searchParams.set('token', TOKEN);
  return u.href;
}

function closeText(code, reason) {
  const why = reason || CLOSE_REASONS[String(code)] || '';
  return `${t('close.code', { code })}${why ? ` — “${why}”` : ''}`;
}

/** A message no codec accepts: the page says so in its language; the codec's detail goes to the console. */
function invalidText(error) {
  return t('error.invalidFromServer', { path: error.path ? ` (${error.path})` : '' });
}

// ---------------------------------------------------------------------------------------
// A WebSocket that reconnects with backoff: 1 s, 2 s, 4 s, 8 s, then every 10 s. The delay
// goes back to 1 s once a connection has stayed up for a while (a server that accepts and
// then closes at once, e.g. 4005, is not hammered).

class LiveSocket {
  constructor(url, { onMessage, onState }) {
    this.url = url;
    this.onMessage = onMessage;
    this.onState = onState;
    this.delay = 1000;
    this.ws = null;
    this.timer = undefined;
    this.stopped = false;
    this.connect();
  }

  connect() {
    this.timer = undefined;
    this.onState({ state: 'connecting' });
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.onState({ state: 'retrying', code: 0, reason: String(e && e.message ? e.message : e), wait: this.delay });
      this.schedule();
      return;
    }
    this.ws = ws;
    let openedAt = 0;
    ws.addEventListener('open', () => {
      openedAt = Date.now();
      this.onState({ state: 'open' });
    });
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data === 'string') this.onMessage(ev.data);
    });
    ws.addEventListener('close', (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) {
        this.onState({ state: 'closed', code: ev.code, reason: ev.reason });
        return;
      }
      if (openedAt && Date.now() - openedAt > 5000) this.delay = 1000;
      this.onState({ state: 'retrying', code: ev.code, reason: ev.reason, wait: this.delay });
      this.schedule();
    });
  }

  schedule() {
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, 10000);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  send(text) {
    if (!this.isOpen) return false;
    this.ws.send(text);
    return true;
  }

  close() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, 'bye');
  }
}

function showConn(el, st) {
  el.dataset.state = st.state;
  el.title = '';
  switch (st.state) {
    case 'connecting':
      el.textContent = t('conn.connecting');
      break;
    case 'open':
      el.textContent = t('conn.open');
      break;
    case 'live':
      el.textContent = t('conn.live');
      break;
    case 'retrying':
      el.textContent = t('conn.retrying', { s: Math.round(st.wait / 1000) });
      el.title = t('conn.closedTitle', { why: closeText(st.code, st.reason) });
      if (st.code && st.code !== 1006) el.textContent += ` (${closeText(st.code, st.reason)})`;
      break;
    case 'closed':
      el.textContent = t('conn.closed');
      break;
  }
}

// ---------------------------------------------------------------------------------------
// Stations

/** @type {Map<number, any>} */
const stations = new Map();
const users = new Map();

function userName(id) {
  if (!users.has(id)) users.set(id, api(`/api/v1/users/${id}`).then((u) => u.name, () => t('station.user', { id })));
  return users.get(id);
}

function buildStation(row) {
  const id = row.id;
  const tid = (suffix) => `station-${id}-${suffix}`;
  const field = (label, suffix, unit) =>
    h('div', { class: `reading reading-${suffix}` }, h('dt', { text: label }), h('dd', {}, h('span', { class: 'value', 'data-testid': tid(suffix), text: '—' }), unit ? h('span', { class: 'unit', text: unit }) : null));

  const st = {
    id,
    name: row.name,
    tariff: row.tariff,
    deviceId: row.deviceId ?? null,
    status: null,
    sessionId: null,
    timeBase: null,
    socket: null,
  };
  const statusEl = h('span', { class: 'status-badge', 'data-testid': tid('status') });
  const userEl = h('span', { class: 'user', 'data-testid': tid('user'), text: '—' });
  const connEl = h('span', { class: 'conn', 'data-testid': tid('conn'), 'data-state': 'connecting', text: t('conn.connecting') });
  const emergencyEl = h('p', { class: 'banner banner-emergency', role: 'alert', 'data-testid': tid('emergency'), hidden: true });
  const errorEl = h('p', { class: 'inline-error', id: tid('error'), role: 'alert', 'data-testid': tid('error'), hidden: true });
  const stopEl = h('button', {
    type: 'button',
    class: 'btn btn-stop',
    'data-testid': tid('stop'),
    disabled: true,
    'aria-describedby': tid('error'),
    text: t('station.stop'),
    onclick: () => stop(st),
  });
  const historyEl = h('ol', { class: 'history', 'data-testid': tid('history'), 'aria-label': t('station.historyOf', { name: row.name }) });
  const readings = h(
    'dl',
    { class: 'readings' },
    field(t('station.volts'), 'volts', 'V'),
    field(t('station.amps'), 'amps', 'A'),
    field(t('station.watts'), 'watts', 'W'),
    field(t('station.kwh'), 'kwh', 'kWh'),
    field(t('station.cost'), 'cost'),
    field(t('station.time'), 'time'),
  );
  const card = h(
    'article',
    { class: 'card station', 'data-testid': `station-${id}`, 'data-status': 'desconectado', 'aria-labelledby': tid('title') },
    h(
      'header',
      { class: 'card-head' },
      h('h3', { id: tid('title') }, row.name, ' ', h('span', { class: 'muted id', text: `#${id}` })),
      connEl,
    ),
    h(
      'div',
      { class: 'status-row', 'aria-live': 'polite', 'aria-atomic': 'true' },
      h('span', { class: 'sr-only', text: t('station.statusLabel') }),
      statusEl,
      h('span', { class: 'user-label' }, h('span', { class: 'muted', text: t('station.userLabel') }), userEl),
    ),
    emergencyEl,
    readings,
    h('p', { class: 'muted tariff', text: t('station.tariff', { price: money(row.tariff) }) }),
    h('div', { class: 'actions' }, stopEl, errorEl),
    h('h4', { class: 'history-title', text: t('station.history') }),
    historyEl,
  );
  st.el = { card, statusEl, userEl, connEl, emergencyEl, errorEl, stopEl, historyEl };
  st.val = (suffix) => card.querySelector(`[data-testid="${tid(suffix)}"]`);
  setStatus(st, row.status);
  return st;
}

function setStatus(st, status) {
  if (!STATUSES.includes(status)) return;
  st.status = status;
  st.el.card.dataset.status = status;
  st.el.statusEl.dataset.status = status;
  st.el.statusEl.textContent = statusLabel(status);
  if (status !== 'emergencia') st.el.emergencyEl.hidden = true;
}

function showError(st, message) {
  st.el.errorEl.textContent = message;
  st.el.errorEl.hidden = false;
}

function clearError(st) {
  st.el.errorEl.textContent = '';
  st.el.errorEl.hidden = true;
}

function setTime(st, secs) {
  st.timeBase = typeof secs === 'number' ? { secs, at: performance.now() } : null;
  renderTime(st);
}

function renderTime(st) {
  const el = st.val('time');
  if (!st.timeBase) return;
  const secs = st.sessionId !== null ? st.timeBase.secs + (performance.now() - st.timeBase.at) / 1000 : st.timeBase.secs;
  el.textContent = duration(secs);
}

function setEnergy(st, kwh, cost) {
  st.val('kwh').textContent = fixed(kwh, 3);
  st.val('cost').textContent = money(cost);
}

function setElectric(st, v, a, w) {
  st.val('volts').textContent = fixed(v, 1);
  st.val('amps').textContent = fixed(a, 2);
  st.val('watts').textContent = fixed(w, 0);
}

function beginSession(st, sessionId, user) {
  st.sessionId = sessionId;
  st.el.userEl.textContent = user || '—';
  st.el.stopEl.disabled = false;
  st.el.card.dataset.session = String(sessionId);
}

function finishSession(st) {
  st.sessionId = null;
  st.el.userEl.textContent = '—';
  st.el.stopEl.disabled = true;
  delete st.el.card.dataset.session;
  setElectric(st, undefined, undefined, undefined);
}

function addHistory(st, kind, sessionId, text, { atTop = true } = {}) {
  const li = h('li', { class: `history-item history-${kind}`, 'data-kind': kind, 'data-session': sessionId ?? '' }, text);
  const list = st.el.historyEl;
  if (atTop) list.prepend(li);
  else list.append(li);
  while (list.children.length > MAX_HISTORY) list.lastElementChild.remove();
}

function stop(st) {
  clearError(st);
  if (st.sessionId === null) return;
  const text = encodeDashboardCommandMessage({ type: 'stop', session_id: st.sessionId });
  if (!st.socket || !st.socket.send(text)) showError(st, t('station.stopNotSent'));
}

function onStationMessage(st, text) {
  const r = decodeDashboardMessage(text);
  if (!r.ok) {
    console.warn(`station ${st.id}: invalid message`, r.error, text);
    showError(st, invalidText(r.error));
    return;
  }
  const m = r.value;
  switch (m.type) {
    case 'subscribed':
      break;
    case 'init': {
      const c = m.charger;
      setStatus(st, c.status);
      if (c.session) {
        beginSession(st, c.session.session_id, c.session.user_name);
        setEnergy(st, c.session.kwh, c.session.cost);
        setTime(st, c.session.time);
      } else if (st.sessionId !== null) {
        finishSession(st);
      }
      showConn(st.el.connEl, { state: 'live' });
      break;
    }
    case 'metrics':
      if (st.sessionId !== m.session_id) beginSession(st, m.session_id, st.el.userEl.textContent === '—' ? '' : st.el.userEl.textContent);
      if (st.status === 'disponible') setStatus(st, 'cargando');
      setElectric(st, m.v, m.a, m.w);
      setEnergy(st, m.kwh, m.cost);
      if (m.time !== undefined) setTime(st, m.time);
      break;
    case 'session_started':
      clearError(st);
      beginSession(st, m.session_id, m.user_name);
      setStatus(st, 'cargando');
      setEnergy(st, 0, 0);
      setElectric(st, undefined, undefined, undefined);
      setTime(st, 0);
      addHistory(st, 'session_started', m.session_id, t('history.started', { time: clock(Date.parse(m.timestamp)), id: m.session_id, user: m.user_name }));
      break;
    case 'session_ended':
      addHistory(
        st,
        'session_ended',
        m.session_id,
        t('history.ended', { time: clock(Date.now()), id: m.session_id, kwh: fixed(m.kwh, 3), cost: money(m.cost), duration: duration(m.duration) }),
      );
      if (st.sessionId === m.session_id || st.sessionId === null) {
        finishSession(st);
        setEnergy(st, m.kwh, m.cost);
        setTime(st, m.duration);
        clearError(st);
      }
      if (st.status === 'cargando') setStatus(st, 'disponible');
      break;
    case 'error':
      // The charger endpoint speaks the seed's Spanish: shown as sent on the Spanish page, from
      // its code (or the seed's fixed string) on the English one.
      if (locale === 'es') showError(st, m.message);
      else showError(st, errorText(m.code ?? (m.message === CHARGER_ERRORS.NOT_CONNECTED ? 'NOT_CONNECTED' : undefined), m.message));
      break;
    case 'emergency':
      setStatus(st, 'emergencia');
      st.el.emergencyEl.textContent = t('station.emergencyBanner', {
        time: clock(Date.parse(m.timestamp)),
        session: m.session_id !== undefined ? t('station.emergencySession', { id: m.session_id }) : '',
      });
      st.el.emergencyEl.hidden = false;
      addHistory(
        st,
        'emergency',
        m.session_id,
        t('history.emergency', { time: clock(Date.parse(m.timestamp)), session: m.session_id !== undefined ? t('history.emergencySession', { id: m.session_id }) : '' }),
      );
      break;
  }
}

async function loadSessions(st) {
  try {
    const page = await api(`/api/v1/sessions?stationId=${st.id}&limit=10`);
    const items = Array.isArray(page) ? page : page.items || [];
    for (const s of items) {
      const name = await userName(s.userId);
      const reason = s.endReason ? ` · ${END_REASONS.includes(s.endReason) ? t(`end.${s.endReason}`) : s.endReason}` : '';
      const text =
        s.endedAt === null
          ? t('history.running', { time: dateTime(s.startedAt), id: s.id, user: name })
          : t('history.past', { time: dateTime(s.startedAt), id: s.id, user: name, kwh: fixed(s.kwh, 3), cost: money(s.cost), duration: duration(s.duration), reason });
      addHistory(st, 'past', s.id, text, { atTop: false });
    }
  } catch (e) {
    console.warn(`station ${st.id}: history not loaded`, e);
    addHistory(st, 'load-error', null, t('history.loadFailed', { status: e.status ?? '—' }), { atTop: false });
  }
}

async function loadStations() {
  const box = document.getElementById('stations');
  let rows;
  try {
    rows = await api('/api/v1/stations');
  } catch (e) {
    box.replaceChildren();
    showGlobalError(e);
    return;
  }
  box.replaceChildren();
  if (!rows.length) box.append(h('p', { class: 'muted', 'data-testid': 'stations-empty', text: t('dash.noStations') }));
  for (const row of rows) {
    const st = buildStation(row);
    stations.set(st.id, st);
    box.append(st.el.card);
    st.socket = new LiveSocket(wsUrl('/ws', { role: 'client', estacionId: st.id }), {
      onMessage: (text) => onStationMessage(st, text),
      onState: (s) => showConn(st.el.connEl, s),
    });
    void loadSessions(st);
  }
}

function showGlobalError(e) {
  const el = document.getElementById('global-error');
  // The REST API answers in English: its message is kept for the console, not mixed into the page.
  console.warn('dashboard: data not loaded', e);
  el.textContent = e.status === 401 ? t('error.accessDenied') : t('error.load', { status: e.status ?? '—' });
  el.hidden = false;
}

setInterval(() => {
  for (const st of stations.values()) if (st.sessionId !== null) renderTime(st);
}, 1000);

// ---------------------------------------------------------------------------------------
// Devices and sensors

/** @type {Map<number, any>} */
const devices = new Map();
/** @type {Map<number, any>} */
const sensors = new Map();

function deviceCard(d) {
  let dev = devices.get(d.id);
  if (dev) return dev;
  const statusEl = h('span', { class: 'status-badge', 'data-testid': `device-${d.id}-status`, role: 'status' });
  const list = h('ul', { class: 'sensor-list', 'data-testid': `device-${d.id}-sensors` });
  const empty = h('li', { class: 'muted empty', text: t('device.noSensors') });
  list.append(empty);
  const card = h(
    'article',
    { class: 'card device', 'data-testid': `device-${d.id}`, 'aria-labelledby': `device-${d.id}-title` },
    h(
      'header',
      { class: 'card-head' },
      h('h3', { id: `device-${d.id}-title` }, d.name || t('device.named', { id: d.id }), ' ', h('span', { class: 'muted id', text: `#${d.id}` })),
      statusEl,
    ),
    d.kind ? h('p', { class: 'muted kind', text: kindLabel(d.kind) }) : null,
    list,
  );
  dev = { id: d.id, name: d.name, card, statusEl, list, empty };
  devices.set(d.id, dev);
  setDeviceStatus(dev, d.status);
  const box = document.getElementById('devices');
  box.querySelector(':scope > .muted')?.remove();
  box.append(card);
  return dev;
}

function setDeviceStatus(dev, status) {
  dev.statusEl.textContent = status ? statusLabel(status) : t('device.unknownStatus');
  dev.statusEl.dataset.status = status || 'unknown';
}

function sensorRow(sn) {
  let sensor = sensors.get(sn.id);
  if (sensor) return sensor;
  const dev = devices.get(sn.deviceId) || deviceCard({ id: sn.deviceId, name: sn.deviceName, kind: '', status: '' });
  const valueEl = h('span', { class: 'sensor-value', 'data-testid': `sensor-${sn.id}-value`, text: '—' });
  const timeEl = h('span', { class: 'muted sensor-time', 'data-testid': `sensor-${sn.id}-time` });
  const line = s('polyline', { fill: 'none', 'vector-effect': 'non-scaling-stroke', points: '' });
  const dot = s('circle', { r: 2, cx: -10, cy: -10 });
  const svg = s('svg', { class: 'chart', viewBox: '0 0 120 36', preserveAspectRatio: 'none', role: 'img', 'data-testid': `sensor-${sn.id}-chart`, 'data-points': 0 });
  const title = s('title');
  const label = sensorLabel(sn.type);
  title.textContent = t('sensor.chartTitle', { name: sn.name || label });
  svg.append(title, line, dot);
  const li = h(
    'li',
    { class: 'sensor', 'data-testid': `sensor-${sn.id}` },
    h('div', { class: 'sensor-head' }, h('span', { class: 'sensor-name', 'data-testid': `sensor-${sn.id}-name`, text: sn.name && sn.name !== sn.type ? `${sn.name} (${label})` : label }), timeEl),
    h('div', { class: 'sensor-body' }, valueEl, svg),
  );
  dev.empty.remove();
  dev.list.append(li);
  sensor = { id: sn.id, unit: sn.unit, points: [], valueEl, timeEl, svg, line, dot };
  sensors.set(sn.id, sensor);
  return sensor;
}

function addPoints(sensor, points) {
  const seen = new Set(sensor.points.map((p) => `${p.ts}:${p.value}`));
  for (const p of points) {
    if (!Number.isFinite(p.ts) || !Number.isFinite(p.value) || seen.has(`${p.ts}:${p.value}`)) continue;
    seen.add(`${p.ts}:${p.value}`);
    sensor.points.push(p);
  }
  sensor.points.sort((a, b) => a.ts - b.ts);
  if (sensor.points.length > MAX_POINTS) sensor.points.splice(0, sensor.points.length - MAX_POINTS);
  const last = sensor.points[sensor.points.length - 1];
  if (last) {
    sensor.valueEl.textContent = `${short(last.value)} ${sensor.unit || ''}`.trim();
    sensor.timeEl.textContent = clock(last.ts);
  }
  drawChart(sensor);
}

function drawChart(sensor) {
  const pts = sensor.points;
  sensor.svg.dataset.points = String(pts.length);
  if (!pts.length) return;
  let min = Math.min(...pts.map((p) => p.value));
  let max = Math.max(...pts.map((p) => p.value));
  if (max === min) {
    max += 1;
    min -= 1;
  }
  const W = 120;
  const H = 36;
  // The points spread over the width (a lone point sits at the right edge).
  const n = pts.length;
  const xy = pts.map((p, i) => [n === 1 ? W - 2 : 2 + (i / (n - 1)) * (W - 4), H - 3 - ((p.value - min) / (max - min)) * (H - 6)]);
  sensor.line.setAttribute('points', xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '));
  const [lx, ly] = xy[xy.length - 1];
  sensor.dot.setAttribute('cx', lx.toFixed(1));
  sensor.dot.setAttribute('cy', ly.toFixed(1));
}

function onSensorMessage(text) {
  const r = decodeSensorServerMessage(text);
  const errEl = document.getElementById('sensors-error');
  if (!r.ok) {
    console.warn('sensor stream: invalid message', r.error, text);
    errEl.textContent = invalidText(r.error);
    errEl.hidden = false;
    return;
  }
  const m = r.value;
  switch (m.type) {
    case 'sensor_data_update': {
      if (!devices.has(m.device_id)) deviceCard({ id: m.device_id, name: m.device_name, kind: '', status: '' });
      const sensor = sensorRow({ id: m.sensor_id, deviceId: m.device_id, deviceName: m.device_name, type: m.sensor_type, unit: m.unit, name: '' });
      const ts = Date.parse(m.timestamp);
      addPoints(sensor, [{ ts: Number.isFinite(ts) ? ts : Date.now(), value: m.value }]);
      valves.reading(m);
      break;
    }
    case 'device_status': {
      const dev = devices.get(m.device_id) || deviceCard({ id: m.device_id, name: m.device_name, kind: '', status: m.status });
      setDeviceStatus(dev, m.status);
      // A station's device carries the station's status: the only way the dashboard learns
      // that its charger connected or went away.
      for (const st of stations.values()) if (st.deviceId === m.device_id) setStatus(st, m.status);
      valves.deviceStatus(m.device_id, m.status);
      break;
    }
    case 'error':
      // The sensor streams speak English: the page shows their errors in its language by code.
      errEl.textContent = locale === 'en' ? m.message : errorText(m.code, m.message);
      errEl.title = m.message;
      errEl.hidden = false;
      break;
  }
}

async function loadDevices() {
  const box = document.getElementById('devices');
  let rows;
  try {
    rows = await api('/api/v1/devices');
  } catch (e) {
    console.warn('dashboard: devices not loaded', e);
    box.replaceChildren(h('p', { class: 'muted', text: t('dash.devicesFailed', { status: e.status ?? '—' }) }));
    return;
  }
  box.querySelector(':scope > .muted')?.remove();
  if (!rows.length && !devices.size) box.append(h('p', { class: 'muted', text: t('dash.noDevices') }));
  for (const d of rows) {
    const known = devices.has(d.id);
    const dev = deviceCard(d);
    if (known) setDeviceStatus(dev, d.status);
  }
  await Promise.all(
    rows.map(async (d) => {
      try {
        const list = await api(`/api/v1/devices/${d.id}/sensors`);
        await Promise.all(
          list.map(async (sn) => {
            const sensor = sensorRow(sn);
            const page = await api(`/api/v1/sensors/${sn.id}/readings?limit=${MAX_POINTS}`);
            const items = Array.isArray(page) ? page : page.items || [];
            addPoints(sensor, items.map((x) => ({ ts: x.ts, value: x.value })));
          }),
        );
      } catch (e) {
        console.warn(`device ${d.id}: sensors not loaded`, e);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------
// Valves (valveCards.js); their angle and link state also arrive on the sensor stream.

const valves = valveSection({ box: document.getElementById('valves'), errorEl: document.getElementById('valves-error'), rest });

// ---------------------------------------------------------------------------------------

async function main() {
  translatePage();
  document.getElementById('nav').append(languageSwitch(h));
  if (TOKEN) document.getElementById('ws-test-link').href = `/websocket-test/?token=${encodeURIComponent(TOKEN)}`;
  const sensorsConn = document.getElementById('sensors-conn');
  // Stations first: device_status updates their status once they exist.
  await loadStations();
  new LiveSocket(wsUrl('/ws/sensor-data/'), {
    onMessage: onSensorMessage,
    onState: (s) => showConn(sensorsConn, s),
  });
  await valves.start();
  await loadDevices();
  document.body.dataset.ready = '1';
}

void main();
