// The built-in WebSocket test interface: connect to any stream of this server, send messages
// and log what arrives, each message checked with the protocol package's decoder for that
// stream and direction.
import {
  decodeDashboardMessage,
  decodeDashboardCommandMessage,
  encodeDashboardCommandMessage,
  decodeChargerCommandMessage,
  decodeChargerPublisherMessage,
  encodeChargerPublisherMessage,
  CLOSE_REASONS,
} from '/assets/protocol/generated/charger.js';
import { decodeSensorServerMessage, decodeSensorClientMessage, encodeSensorClientMessage } from '/assets/protocol/generated/sensorStream.js';
import { h } from './dom.js';
import { t, locale, translatePage, languageSwitch } from './i18n.js';

const TOKEN = new URLSearchParams(location.search).get('token') || '';
const MAX_LOG = 500;

/** What each kind of stream receives and sends, by the protocol's names. */
const PROFILES = {
  sensor: {
    label: t('wst.profile.sensor'),
    incoming: decodeSensorServerMessage,
    incomingName: 'decodeSensorServerMessage',
    outgoing: decodeSensorClientMessage,
    encode: encodeSensorClientMessage,
  },
  client: {
    label: t('wst.profile.client'),
    incoming: decodeDashboardMessage,
    incomingName: 'decodeDashboardMessage',
    outgoing: decodeDashboardCommandMessage,
    encode: encodeDashboardCommandMessage,
  },
  publisher: {
    label: t('wst.profile.publisher'),
    incoming: decodeChargerCommandMessage,
    incomingName: 'decodeChargerCommandMessage',
    outgoing: decodeChargerPublisherMessage,
    encode: encodeChargerPublisherMessage,
  },
};

const CLOSE_NAMES = [1000, 1001, 1006, 1008, 1009, 1011];

const EXAMPLES = [
  { id: 'sensor_data', label: 'sensor_data (seed)', profile: 'sensor', message: () => ({ type: 'sensor_data', sensor_id: 1, value: 25.5, timestamp: '2025-09-11T15:30:00Z' }) },
  { id: 'sensor_data-now', label: t('wst.example.now'), profile: 'sensor', message: () => ({ type: 'sensor_data', sensor_id: 1, value: 25.5, timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }) },
  { id: 'stop-client', label: t('wst.example.stopClient'), profile: 'client', message: () => ({ type: 'stop', session_id: 123 }) },
  { id: 'nfc_scan', label: 'nfc_scan', profile: 'publisher', message: () => ({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' }) },
  { id: 'metrics', label: 'metrics', profile: 'publisher', message: () => ({ type: 'metrics', session_id: 123, v: 220.5, a: 16.2, w: 3572.1, ts: Math.floor(Date.now() / 1000) }) },
  { id: 'stop-publisher', label: t('wst.example.stopPublisher'), profile: 'publisher', message: () => ({ type: 'stop', session_id: 123 }) },
  { id: 'emergency', label: 'emergency', profile: 'publisher', message: () => ({ type: 'emergency', session_id: 123 }) },
  { id: 'invalid', label: t('wst.example.invalid'), profile: 'any', message: () => ({ type: 'sensor_data', sensor_id: 'uno' }) },
];

const $ = (id) => document.getElementById(id);
const els = {
  form: $('connect-form'),
  preset: $('preset'),
  url: $('url'),
  decoder: $('decoder'),
  decoderInfo: $('decoder-info'),
  connect: $('connect'),
  disconnect: $('disconnect'),
  state: $('state'),
  sendForm: $('send-form'),
  message: $('message'),
  send: $('send'),
  sendError: $('send-error'),
  examples: $('examples'),
  log: $('log'),
  clear: $('clear'),
};

/** @type {WebSocket | null} */
let ws = null;
/** The profile in use for the open connection. */
let active = null;


/** The full ws(s):// URL for what was typed; the page's ?token= is passed on. */
function resolveUrl(typed) {
  const u = new URL(typed.trim(), location.href);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(t('wst.badScheme', { scheme: u.protocol }));
  if (TOKEN && !u.searchParams.has('token')) u.searchParams.set('token', TOKEN);
  return u;
}

/** Which profile a URL speaks, from its path and role. */
function detect(u) {
  const p = u.pathname;
  if (p === '/ws/sensor-data/' || /^\/ws\/device\/[0-9]+\/$/.test(p) || /^\/ws\/sensor\/[0-9]+\/$/.test(p)) return 'sensor';
  if (p === '/ws') {
    const role = u.searchParams.get('role') ?? (u.searchParams.get('type') === 'dashboard' ? 'client' : null);
    if (role === 'publisher') return 'publisher';
    if (role === 'client') return 'client';
  }
  return null;
}

function profileFor(typed) {
  const choice = els.decoder.value;
  if (choice === 'none') return null;
  if (choice !== 'auto') return choice;
  try {
    return detect(resolveUrl(typed));
  } catch {
    return null;
  }
}

function showDecoderInfo() {
  const key = profileFor(els.url.value);
  els.decoderInfo.textContent = key ? t('wst.decodesWith', { decoder: PROFILES[key].incomingName, profile: PROFILES[key].label }) : t('wst.noDecoder');
}

function time() {
  return new Date().toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function typeOf(text) {
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && typeof v.type === 'string' ? v.type : '';
  } catch {
    return '';
  }
}

/**
 * One line of the log. dir: 'in' | 'out' | 'event'; verdict: undefined (events), null (not
 * validated) or a decode result.
 */
function log(dir, text, verdict, extra = {}) {
  const arrow = t(dir === 'in' ? 'wst.in' : dir === 'out' ? 'wst.out' : 'wst.event');
  let valid;
  let verdictEl = null;
  if (verdict === null) {
    valid = 'none';
    verdictEl = h('span', { class: 'verdict', 'data-valid': 'none', text: t('wst.unchecked') });
  } else if (verdict) {
    valid = String(verdict.ok);
    verdictEl = h('span', {
      class: 'verdict',
      'data-valid': valid,
      'data-testid': 'ws-log-verdict',
      // The codec's own words are English: on the page the verdict names the field, its detail
      // is the tooltip.
      text: verdict.ok ? t('wst.valid') : t('wst.invalid', { path: verdict.error.path || '/' }),
      title: verdict.ok ? undefined : verdict.error.message,
    });
  }
  const li = h(
    'li',
    {
      class: 'log-entry',
      'data-testid': extra.testid ?? 'ws-log-entry',
      'data-dir': dir,
      'data-valid': valid,
      'data-type': dir === 'event' ? extra.event : verdict && verdict.ok ? verdict.value.type : typeOf(text),
      'data-code': extra.code,
    },
    h('div', { class: 'log-meta' }, h('span', { class: 'muted', text: time() }), h('span', { class: 'dir', text: arrow }), verdictEl),
    dir === 'event' ? h('div', { class: 'log-text', text }) : h('pre', { text: pretty(text) }),
  );
  const atBottom = els.log.scrollHeight - els.log.scrollTop - els.log.clientHeight < 40;
  els.log.append(li);
  while (els.log.children.length > MAX_LOG) els.log.firstElementChild.remove();
  if (atBottom) els.log.scrollTop = els.log.scrollHeight;
}

function setState(state, text) {
  els.state.dataset.state = state;
  els.state.textContent = text;
  const busy = state === 'connecting' || state === 'open';
  els.connect.disabled = busy;
  els.disconnect.disabled = !busy;
  els.send.disabled = state !== 'open';
  els.url.disabled = busy;
  els.preset.disabled = busy;
  els.decoder.disabled = busy;
}

function connect() {
  els.sendError.hidden = true;
  let u;
  try {
    u = resolveUrl(els.url.value);
  } catch (e) {
    log('event', t('wst.badUrl', { why: e.message }), undefined, { event: 'bad-url' });
    return;
  }
  const key = profileFor(els.url.value);
  active = key ? PROFILES[key] : null;
  setState('connecting', t('conn.connecting'));
  const shown = new URL(u.href);
  if (shown.searchParams.has('token')) shown.searchParams.set('token', '…');
  log('event', t('wst.connectingTo', { url: shown.href, check: active ? t('wst.checkingWith', { decoder: active.incomingName }) : '' }), undefined, { event: 'connecting' });
  const sock = new WebSocket(u.href);
  ws = sock;
  sock.addEventListener('open', () => {
    if (ws !== sock) return;
    setState('open', t('conn.open'));
    log('event', t('wst.opened'), undefined, { event: 'open' });
  });
  sock.addEventListener('message', (ev) => {
    if (ws !== sock) return;
    if (typeof ev.data !== 'string') {
      log('in', t('wst.binary'), null);
      return;
    }
    log('in', ev.data, active ? active.incoming(ev.data) : null);
  });
  sock.addEventListener('error', () => {
    if (ws !== sock) return;
    log('event', t('wst.wsError'), undefined, { event: 'error' });
  });
  sock.addEventListener('close', (ev) => {
    if (ws !== sock) return;
    ws = null;
    // The server's reason is the wire's own text (the seed's, quoted); a bare code is named here.
    const wire = ev.reason || CLOSE_REASONS[String(ev.code)] || '';
    const reason = wire ? ` — “${wire}”` : CLOSE_NAMES.includes(ev.code) ? ` — ${t(`wst.close.${ev.code}`)}` : '';
    setState('closed', t('wst.closedState', { code: ev.code }));
    log('event', t('wst.closedLog', { code: ev.code, reason, unclean: ev.wasClean ? '' : t('wst.unclean') }), undefined, {
      event: 'close',
      code: ev.code,
      testid: 'ws-close',
    });
  });
}

function disconnect() {
  if (ws) ws.close(1000, t('wst.byePage'));
}

function send() {
  els.sendError.hidden = true;
  const text = els.message.value;
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    els.sendError.textContent = t('wst.notOpen');
    els.sendError.hidden = false;
    return;
  }
  if (!text.trim()) {
    els.sendError.textContent = t('wst.empty');
    els.sendError.hidden = false;
    return;
  }
  if (!active) {
    ws.send(text);
    log('out', text, null);
    return;
  }
  const r = active.outgoing(text);
  // A valid message goes out as its codec writes it; an invalid one exactly as typed.
  const out = r.ok ? active.encode(r.value) : text;
  ws.send(out);
  log('out', out, r);
}

function buildExamples() {
  for (const ex of EXAMPLES) {
    els.examples.append(
      h('button', {
        type: 'button',
        class: 'btn btn-secondary btn-small',
        'data-testid': `ws-example-${ex.id}`,
        title: ex.profile === 'any' ? t('wst.example.invalidTitle') : t('wst.example.for', { profile: PROFILES[ex.profile].label }),
        text: ex.label,
        onclick: () => {
          els.message.value = JSON.stringify(ex.message(), null, 2);
          els.message.focus();
        },
      }),
    );
  }
}

els.preset.addEventListener('change', () => {
  if (!els.preset.value) return;
  els.url.value = els.preset.value;
  els.decoder.value = 'auto';
  showDecoderInfo();
  // Put the cursor on the id of /ws/device/{id}/ and /ws/sensor/{id}/.
  const m = /\/(device|sensor)\/([0-9]+)\//.exec(els.url.value);
  els.url.focus();
  if (m) {
    const start = els.url.value.indexOf(`/${m[1]}/`) + m[1].length + 2;
    els.url.setSelectionRange(start, start + m[2].length);
  }
});
els.url.addEventListener('input', showDecoderInfo);
els.decoder.addEventListener('change', showDecoderInfo);
els.form.addEventListener('submit', (e) => {
  e.preventDefault();
  connect();
});
els.disconnect.addEventListener('click', disconnect);
els.sendForm.addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
els.message.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    send();
  }
});
els.clear.addEventListener('click', () => els.log.replaceChildren());

translatePage();
$('nav').append(languageSwitch(h));
if (TOKEN) $('dashboard-link').href = `/?token=${encodeURIComponent(TOKEN)}`;
const initial = new URLSearchParams(location.search).get('url');
if (initial) els.url.value = initial;
buildExamples();
els.message.value = JSON.stringify(EXAMPLES[0].message(), null, 2);
showDecoderInfo();
setState('closed', t('conn.closed'));
document.body.dataset.ready = '1';
