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

const TOKEN = new URLSearchParams(location.search).get('token') || '';
const MAX_LOG = 500;

/** What each kind of stream receives and sends, by the protocol's names. */
const PROFILES = {
  sensor: {
    label: 'stream de sensores',
    incoming: decodeSensorServerMessage,
    incomingName: 'decodeSensorServerMessage',
    outgoing: decodeSensorClientMessage,
    encode: encodeSensorClientMessage,
  },
  client: {
    label: 'panel de estación',
    incoming: decodeDashboardMessage,
    incomingName: 'decodeDashboardMessage',
    outgoing: decodeDashboardCommandMessage,
    encode: encodeDashboardCommandMessage,
  },
  publisher: {
    label: 'cargador (publisher)',
    incoming: decodeChargerCommandMessage,
    incomingName: 'decodeChargerCommandMessage',
    outgoing: decodeChargerPublisherMessage,
    encode: encodeChargerPublisherMessage,
  },
};

const CLOSE_NAMES = {
  1000: 'cierre normal',
  1001: 'el servidor se va',
  1006: 'cierre anormal (sin trama de cierre)',
  1008: 'violación de política',
  1009: 'mensaje demasiado grande',
  1011: 'error interno del servidor',
};

const EXAMPLES = [
  { id: 'sensor_data', label: 'sensor_data (seed)', profile: 'sensor', message: () => ({ type: 'sensor_data', sensor_id: 1, value: 25.5, timestamp: '2025-09-11T15:30:00Z' }) },
  { id: 'sensor_data-now', label: 'sensor_data (ahora)', profile: 'sensor', message: () => ({ type: 'sensor_data', sensor_id: 1, value: 25.5, timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }) },
  { id: 'stop-client', label: 'stop (panel)', profile: 'client', message: () => ({ type: 'stop', session_id: 123 }) },
  { id: 'nfc_scan', label: 'nfc_scan', profile: 'publisher', message: () => ({ type: 'nfc_scan', nfc_uid: 'VIRTUAL-1-A4F2E8' }) },
  { id: 'metrics', label: 'metrics', profile: 'publisher', message: () => ({ type: 'metrics', session_id: 123, v: 220.5, a: 16.2, w: 3572.1, ts: Math.floor(Date.now() / 1000) }) },
  { id: 'stop-publisher', label: 'stop (cargador)', profile: 'publisher', message: () => ({ type: 'stop', session_id: 123 }) },
  { id: 'emergency', label: 'emergency', profile: 'publisher', message: () => ({ type: 'emergency', session_id: 123 }) },
  { id: 'invalid', label: 'inválido', profile: 'any', message: () => ({ type: 'sensor_data', sensor_id: 'uno' }) },
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
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(`esquema no admitido: ${u.protocol}`);
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
  els.decoderInfo.textContent = key
    ? `Mensajes recibidos: ${PROFILES[key].incomingName} (${PROFILES[key].label}).`
    : 'Sin decodificador: los mensajes se muestran sin validar.';
}

function time() {
  return new Date().toLocaleTimeString('es', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
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
  const arrow = dir === 'in' ? '⬇ recibido' : dir === 'out' ? '⬆ enviado' : '● evento';
  let valid;
  let verdictEl = null;
  if (verdict === null) {
    valid = 'none';
    verdictEl = h('span', { class: 'verdict', 'data-valid': 'none', text: 'sin validar' });
  } else if (verdict) {
    valid = String(verdict.ok);
    verdictEl = h('span', {
      class: 'verdict',
      'data-valid': valid,
      'data-testid': 'ws-log-verdict',
      text: verdict.ok ? 'válido' : `inválido: ${verdict.error.path || 'mensaje'} ${verdict.error.message}`,
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
    log('event', `URL no válida: ${e.message}`, undefined, { event: 'bad-url' });
    return;
  }
  const key = profileFor(els.url.value);
  active = key ? PROFILES[key] : null;
  setState('connecting', 'conectando…');
  const shown = new URL(u.href);
  if (shown.searchParams.has('token')) shown.searchParams.set('token', '…');
  log('event', `Conectando a ${shown.href}${active ? ` — validando con ${active.incomingName}` : ''}`, undefined, { event: 'connecting' });
  const sock = new WebSocket(u.href);
  ws = sock;
  sock.addEventListener('open', () => {
    if (ws !== sock) return;
    setState('open', 'conectado');
    log('event', 'Conexión abierta', undefined, { event: 'open' });
  });
  sock.addEventListener('message', (ev) => {
    if (ws !== sock) return;
    if (typeof ev.data !== 'string') {
      log('in', '(mensaje binario)', null);
      return;
    }
    log('in', ev.data, active ? active.incoming(ev.data) : null);
  });
  sock.addEventListener('error', () => {
    if (ws !== sock) return;
    log('event', 'Error de WebSocket (ver el cierre a continuación)', undefined, { event: 'error' });
  });
  sock.addEventListener('close', (ev) => {
    if (ws !== sock) return;
    ws = null;
    const reason = ev.reason || CLOSE_REASONS[String(ev.code)] || CLOSE_NAMES[ev.code] || '';
    setState('closed', `cerrado (código ${ev.code})`);
    log('event', `Conexión cerrada: código ${ev.code}${reason ? ` — ${reason}` : ''}${ev.wasClean ? '' : ' (cierre no limpio)'}`, undefined, {
      event: 'close',
      code: ev.code,
      testid: 'ws-close',
    });
  });
}

function disconnect() {
  if (ws) ws.close(1000, 'cerrado desde la página de prueba');
}

function send() {
  els.sendError.hidden = true;
  const text = els.message.value;
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    els.sendError.textContent = 'No hay conexión abierta.';
    els.sendError.hidden = false;
    return;
  }
  if (!text.trim()) {
    els.sendError.textContent = 'El mensaje está vacío.';
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
        title: ex.profile === 'any' ? 'Mensaje inválido de ejemplo' : `Ejemplo para ${PROFILES[ex.profile].label}`,
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

if (TOKEN) $('dashboard-link').href = `/?token=${encodeURIComponent(TOKEN)}`;
const initial = new URLSearchParams(location.search).get('url');
if (initial) els.url.value = initial;
buildExamples();
els.message.value = JSON.stringify(EXAMPLES[0].message(), null, 2);
showDecoderInfo();
setState('closed', 'desconectado');
document.body.dataset.ready = '1';
