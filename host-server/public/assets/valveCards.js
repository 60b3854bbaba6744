// The dashboard's valves: one card per valve the host links to, refreshed from GET /api/v1/valves
// about once a second while the page is visible, and its angle at once from the sensor stream
// (the host publishes each valve's angle there). A command goes over REST and is answered once
// the valve got there; until then the card says where the valve is headed and where it is now.
import { h } from './dom.js';
import { t, statusLabel, errorText, faultLabel } from './i18n.js';
import { valveGauge } from './valveGauge.js';

const POLL_MS = 1000;

function degrees(angle) {
  return angle === null || angle === undefined ? '—' : `${Math.round(angle)}°`;
}

/** The valve's is_open means "not closed", so fully open is read from the angle. */
function position(angle) {
  if (angle === null) return t('valve.noAngle');
  if (angle <= 0) return t('valve.position.closed');
  if (angle >= 90) return t('valve.position.open');
  return t('valve.position.partial', { pct: Math.round((angle / 90) * 100) });
}

function mode(s) {
  const modes = [];
  if (s.schedule) modes.push(t('valve.mode.schedule'));
  if (s.sensor) modes.push(t('valve.mode.sensor'));
  return modes.length ? modes.join(' + ') : t('valve.mode.manual');
}

function motion(s) {
  if (s.motion === 'idle') return t('valve.motion.idle');
  return t(`valve.motion.${s.motion}`, { target: degrees(s.targetAngle) });
}

/** What a refused command means, in the page's language, from the answer's code. */
function failure(r) {
  const code = r.body && r.body.error ? r.body.error.code : undefined;
  const valve = r.body && r.body.valve ? r.body.valve : null;
  const angle = degrees(valve ? valve.angle : null);
  switch (code) {
    case 'VALVE_OFFLINE':
      return t('valve.error.offline');
    case 'VALVE_TIMEOUT':
      return t('valve.error.timeout', { angle });
    case 'VALVE_FAULT':
      return valve && valve.fault ? t('valve.error.fault', { fault: faultLabel(valve.fault) }) : t('valve.error.notDone', { angle });
    case 'NOT_FOUND':
      return t('valve.error.notFound');
    case 'INVALID_FIELD':
      return t('valve.badAngle');
  }
  if (r.status === 401 || r.status === 403) return t('valve.error.denied');
  return errorText(code || `HTTP ${r.status}`);
}

/** The section in `box` (cards) with its error line `errorEl`; REST through `rest` (restClient). */
export function valveSection({ box, errorEl, rest }) {
  /** valveId → card state */
  const cards = new Map();
  let polling = false;

  function build(s) {
    const id = s.valveId;
    const tid = (x) => `valve-${id}-${x}`;
    const v = { id, deviceId: s.deviceId, snap: s, angle: s.angle, angleAt: s.updatedAt, command: null, moveSeq: 0, seq: 0 };
    const gauge = valveGauge(tid('gauge'));
    const limit = (which) => h('span', { class: 'limit', 'data-testid': tid(`limit-${which}`), 'data-on': 'false', text: t(`valve.limit.${which}`) });
    const fact = (label, el) => h('div', { class: 'fact' }, h('dt', { text: label }), h('dd', {}, el));
    const angle = h('span', { class: 'valve-angle', 'data-testid': tid('angle'), text: '—' });
    const place = h('span', { class: 'muted valve-position', 'data-testid': tid('position') });
    const el = {
      status: h('span', { class: 'status-badge', 'data-testid': tid('status') }),
      angle,
      position: place,
      meter: h(
        'div',
        { class: 'valve-meter', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 90, 'aria-label': t('valve.angle') },
        gauge.el,
        h('div', { class: 'valve-reading' }, angle, place),
      ),
      gauge,
      limitOpen: limit('open'),
      limitClose: limit('close'),
      motion: h('span', { 'data-testid': tid('motion') }),
      mode: h('span', { 'data-testid': tid('mode') }),
      fault: h('p', { class: 'banner banner-error valve-fault', role: 'alert', 'data-testid': tid('fault'), hidden: true }),
      result: h('p', { class: 'valve-result', role: 'status', 'data-testid': tid('result'), hidden: true }),
      input: h('input', { type: 'number', min: 0, max: 90, step: 1, inputmode: 'numeric', id: tid('angle-input'), 'data-testid': tid('angle-input'), placeholder: '45' }),
      buttons: [],
    };
    const button = (cls, key, onclick, moves) => {
      const b = h('button', { type: 'button', class: `btn ${cls}`, 'data-testid': tid(key), text: t(`valve.${key}`), onclick });
      if (moves) el.buttons.push(b);
      return b;
    };
    const move = h('button', { type: 'submit', class: 'btn btn-secondary', 'data-testid': tid('move'), text: t('valve.move') });
    el.buttons.push(move);
    const form = h(
      'form',
      {
        class: 'valve-move',
        // The page says what is wrong with the angle in its own language, not the browser's bubble.
        novalidate: true,
        onsubmit: (ev) => {
          ev.preventDefault();
          const text = el.input.value.trim();
          const wanted = Number(text);
          if (text === '' || !Number.isFinite(wanted) || wanted < 0 || wanted > 90) return showResult(v, 'error', t('valve.badAngle'));
          void command(v, 'angle', wanted);
        },
      },
      h('label', { for: tid('angle-input'), text: t('valve.moveTo') }),
      h('span', { class: 'angle-field' }, el.input, h('span', { class: 'unit', text: '°' })),
      move,
    );
    el.card = h(
      'article',
      { class: 'card valve', 'data-testid': `valve-${id}`, 'aria-labelledby': tid('title') },
      h('header', { class: 'card-head' }, h('h3', { id: tid('title') }, s.name, ' ', h('span', { class: 'muted id', text: `#${id}` })), el.status),
      el.fault,
      el.meter,
      h(
        'dl',
        { class: 'facts' },
        fact(t('valve.limits'), h('span', { class: 'limits' }, el.limitOpen, el.limitClose)),
        fact(t('valve.motion'), el.motion),
        fact(t('valve.mode'), el.mode),
      ),
      h(
        'div',
        { class: 'actions valve-actions' },
        button('btn-primary', 'open', () => command(v, 'open', 90), true),
        button('btn-secondary', 'close', () => command(v, 'close', 0), true),
        button('btn-stop', 'stop', () => command(v, 'stop', null), false),
        (el.manual = button('btn-secondary', 'manual', () => manual(v), false)),
      ),
      form,
      el.result,
    );
    v.el = el;
    show(v);
    return v;
  }

  function show(v) {
    const s = v.snap;
    const el = v.el;
    const status = s.online ? 'online' : 'offline';
    el.card.dataset.online = String(s.online);
    el.card.dataset.motion = s.motion;
    el.card.dataset.fault = s.fault ? 'true' : 'false';
    el.status.dataset.status = status;
    el.status.textContent = statusLabel(status);
    el.angle.textContent = degrees(v.angle);
    el.position.textContent = position(v.angle);
    el.meter.setAttribute('aria-valuenow', String(v.angle ?? 0));
    el.meter.setAttribute('aria-valuetext', `${degrees(v.angle)} — ${el.position.textContent}`);
    const heading = v.command && v.command.target !== null ? v.command.target : s.motion !== 'idle' ? s.targetAngle : null;
    el.gauge.set(v.angle, heading);
    el.limitOpen.dataset.on = String(s.openLimit);
    el.limitClose.dataset.on = String(s.closeLimit);
    el.limitOpen.title = t(s.openLimit ? 'valve.limit.on' : 'valve.limit.off');
    el.limitClose.title = t(s.closeLimit ? 'valve.limit.on' : 'valve.limit.off');
    el.motion.textContent = motion(s);
    el.mode.textContent = mode(s);
    el.manual.hidden = !(s.schedule || s.sensor);
    el.fault.hidden = !s.fault;
    el.fault.textContent = s.fault ? t('valve.fault', { fault: faultLabel(s.fault) }) : '';
    if (v.command) showProgress(v);
  }

  function showProgress(v) {
    const c = v.command;
    const now = degrees(v.angle);
    showResult(v, 'running', c.kind === 'stop' ? t('valve.stopping', { now }) : t('valve.moving', { target: degrees(c.target), now }));
  }

  /** `code` and `detail`: a refused command's error code and the server's (English) message. */
  function showResult(v, state, text, { code = '', detail = '' } = {}) {
    const el = v.el.result;
    el.dataset.state = state;
    el.dataset.code = code;
    el.textContent = text;
    el.title = detail;
    el.hidden = false;
  }

  function update(v, s) {
    v.snap = s;
    v.deviceId = s.deviceId;
    if (s.updatedAt >= v.angleAt) {
      v.angle = s.angle;
      v.angleAt = s.updatedAt;
    }
    show(v);
  }

  async function command(v, kind, target) {
    const seq = ++v.seq;
    v.command = { seq, kind, target };
    if (kind !== 'stop') {
      v.moveSeq = seq;
      for (const b of v.el.buttons) b.disabled = true;
    }
    show(v);
    let r = null;
    try {
      r = await rest.call('POST', `/api/v1/valves/${v.id}/${kind}`, kind === 'angle' ? { angle: target } : undefined);
    } catch (e) {
      console.warn(`valve ${v.id}: ${kind} not sent`, e);
    }
    if (v.moveSeq === seq) for (const b of v.el.buttons) b.disabled = false;
    const state = r && (r.ok ? r.body : r.body && r.body.valve);
    if (state && typeof state.valveId === 'number') update(v, state);
    // A later command's outcome is the one the card shows.
    if (!v.command || v.command.seq !== seq) return;
    v.command = null;
    show(v);
    if (!r) return showResult(v, 'error', t('valve.error.network'));
    if (r.ok) return showResult(v, 'ok', t(kind === 'stop' ? 'valve.stoppedAt' : 'valve.arrived', { angle: degrees(v.angle) }));
    // The REST API speaks English: its message is kept as the detail, the page says it in its language.
    const error = r.body && r.body.error ? r.body.error : { code: `HTTP ${r.status}`, message: '' };
    showResult(v, 'error', failure(r), { code: error.code, detail: error.message });
  }

  /** Schedule and sensor control off, so the valve moves only when told. */
  async function manual(v) {
    if (!v.snap.schedule && !v.snap.sensor) return;
    let r = null;
    try {
      for (const kind of ['schedule', 'sensor']) {
        if (!v.snap[kind]) continue;
        r = await rest.call('POST', `/api/v1/valves/${v.id}/${kind}`, { enabled: false });
        const state = r.ok ? r.body : r.body && r.body.valve;
        if (state && typeof state.valveId === 'number') update(v, state);
        if (!r.ok) break;
      }
    } catch (e) {
      console.warn(`valve ${v.id}: manual mode not sent`, e);
    }
    if (!r) return showResult(v, 'error', t('valve.error.network'));
    if (r.ok) return showResult(v, 'ok', t('valve.manualDone'));
    const error = r.body && r.body.error ? r.body.error : { code: `HTTP ${r.status}`, message: '' };
    showResult(v, 'error', failure(r), { code: error.code, detail: error.message });
  }

  function sync(list) {
    const seen = new Set();
    for (const s of [...list].sort((a, b) => a.valveId - b.valveId)) {
      seen.add(s.valveId);
      const v = cards.get(s.valveId);
      if (v) update(v, s);
      else cards.set(s.valveId, build(s));
    }
    for (const [id, v] of cards) {
      if (seen.has(id)) continue;
      v.el.card.remove();
      cards.delete(id);
    }
    const wanted = list.length ? [...cards.values()].sort((a, b) => a.id - b.id).map((v) => v.el.card) : [h('p', { class: 'muted', 'data-testid': 'valves-empty', text: t('dash.noValves') })];
    if (wanted.length !== box.children.length || wanted.some((el, i) => box.children[i] !== el)) box.replaceChildren(...wanted);
  }

  async function poll() {
    if (polling) return;
    polling = true;
    try {
      sync(await rest.get('/api/v1/valves'));
      errorEl.hidden = true;
    } catch (e) {
      console.warn('dashboard: valves not loaded', e);
      if (!cards.size) box.replaceChildren();
      errorEl.textContent = e.status === 401 ? t('error.accessDenied') : t('dash.valvesFailed', { status: e.status ?? '—' });
      errorEl.hidden = false;
    } finally {
      polling = false;
    }
  }

  const tick = () => {
    if (document.visibilityState === 'visible') void poll();
  };

  return {
    /** The first load, then a refresh every second while the page is visible. */
    async start() {
      await poll();
      setInterval(tick, POLL_MS);
      document.addEventListener('visibilitychange', tick);
    },
    /** A sensor_data_update: a valve's angle as the host just heard it. */
    reading(m) {
      if (m.sensor_type !== 'angle') return;
      const ts = Date.parse(m.timestamp);
      for (const v of cards.values()) {
        if (v.deviceId !== m.device_id || !(ts >= v.angleAt)) continue;
        v.angle = m.value;
        v.angleAt = ts;
        show(v);
      }
    },
    /** A device_status: a valve's link went up or down. */
    deviceStatus(deviceId, status) {
      if (status !== 'online' && status !== 'offline') return;
      for (const v of cards.values()) {
        if (v.deviceId !== deviceId) continue;
        v.snap = { ...v.snap, online: status === 'online' };
        show(v);
      }
    },
  };
}
