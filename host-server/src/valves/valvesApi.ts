// REST for the valves the host links to, under /api/v1/valves: operators add and delete them;
// operators and dashboards (client tokens) read them and command them. A command answers once
// the valve got there (200 with its state), or with the valve's fault (409), its silence (504),
// or its link down (503). A passkey goes in, never out.
import { json, field, idParam, HttpError, type Router, type Ctx } from '../http/router.js';
import type { RouteAccess } from '../auth/access.js';
import { ConstraintError } from '../storage/migrations.js';
import { ValveCommandError, type ValveCommand, type ValveSnapshot } from '../fleet/fleetEvents.js';
import type { ValveHub } from './valveHub.js';

const P = '/api/v1/valves';
const OPERATOR: RouteAccess = { roles: ['admin'], scope: 'fleet' };
const VALVE_USERS: RouteAccess = { roles: ['admin', 'client'], scope: 'fleet' };
const STATUS: Record<ValveCommandError['kind'], number> = { 'not-found': 404, offline: 503, fault: 409, timeout: 504, invalid: 400 };
const CODE: Record<ValveCommandError['kind'], string> = { 'not-found': 'NOT_FOUND', offline: 'VALVE_OFFLINE', fault: 'VALVE_FAULT', timeout: 'VALVE_TIMEOUT', invalid: 'INVALID_FIELD' };

function found(valves: ValveHub, c: Ctx): ValveSnapshot {
  const id = idParam(c.params, 'id');
  const v = valves.get(id);
  if (!v) throw new HttpError(404, 'NOT_FOUND', `no valve ${id}`);
  return v;
}

function bool(o: Record<string, unknown>, k: string): boolean {
  if (typeof o[k] !== 'boolean') throw new HttpError(400, 'INVALID_FIELD', `${k} must be true or false`);
  return o[k] as boolean;
}

async function run(valves: ValveHub, c: Ctx, command: ValveCommand): Promise<void> {
  const v = found(valves, c);
  try {
    json(c.res, 200, await valves.command(v.valveId, command));
  } catch (e) {
    if (!(e instanceof ValveCommandError)) throw e;
    json(c.res, STATUS[e.kind], { error: { code: CODE[e.kind], message: e.message }, valve: e.state ?? valves.get(v.valveId) });
  }
}

function validAddress(text: string): boolean {
  const t = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t) && !/^wss?:\/\//i.test(t)) return false;
  try {
    const u = new URL(/^wss?:\/\//i.test(t) ? t : `ws://${t}`);
    return u.hostname !== '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

export function valveRoutes(r: Router, valves: ValveHub): void {
  r.on('GET', P, VALVE_USERS, () => valves.list());
  r.on('POST', P, OPERATOR, async (c) => {
    const b = field.obj(await c.body());
    const name = field.str(b, 'name')!;
    const passkey = field.str(b, 'passkey')!;
    const address = field.str(b, 'address')!;
    if (!validAddress(address)) throw new HttpError(400, 'INVALID_FIELD', 'address must be host:port or a ws:// URL (e.g. 192.168.1.40:80)');
    try {
      return await valves.add({ name, address, passkey });
    } catch (e) {
      if (e instanceof ConstraintError) throw new HttpError(409, 'CONFLICT', `valve not added: ${e.kind}`);
      throw e;
    }
  });
  r.on('GET', `${P}/:id`, VALVE_USERS, (c) => found(valves, c));
  r.on('DELETE', `${P}/:id`, OPERATOR, async (c) => {
    const id = idParam(c.params, 'id');
    if (!(await valves.remove(id))) throw new HttpError(404, 'NOT_FOUND', `no valve ${id}`);
    return { deleted: id };
  });
  r.on('POST', `${P}/:id/angle`, VALVE_USERS, async (c) => {
    const b = field.obj(await c.body());
    const angle = field.num(b, 'angle')!;
    if (angle < 0 || angle > 90) throw new HttpError(400, 'INVALID_FIELD', 'angle must be 0…90 (degrees)');
    await run(valves, c, { kind: 'angle', angle });
  });
  r.on('POST', `${P}/:id/open`, VALVE_USERS, (c) => run(valves, c, { kind: 'open' }));
  r.on('POST', `${P}/:id/close`, VALVE_USERS, (c) => run(valves, c, { kind: 'close' }));
  r.on('POST', `${P}/:id/stop`, VALVE_USERS, (c) => run(valves, c, { kind: 'stop' }));
  r.on('POST', `${P}/:id/schedule`, VALVE_USERS, async (c) => {
    const b = field.obj(await c.body());
    const enabled = bool(b, 'enabled');
    const windows = b.windows === undefined ? [] : b.windows;
    if (!Array.isArray(windows) || windows.length > 8) throw new HttpError(400, 'INVALID_FIELD', 'windows must be a list of at most 8 {start: "HH:MM", duration: minutes, angle}');
    const ws = windows.map((w, i) => {
      const o = field.obj(w);
      const start = field.str(o, 'start')!;
      const duration = field.num(o, 'duration')!;
      const angle = field.num(o, 'angle')!;
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(start) || !Number.isInteger(duration) || duration < 1 || duration > 1440 || angle < 0 || angle > 90) {
        throw new HttpError(400, 'INVALID_FIELD', `windows[${i}] must be {start: "HH:MM", duration: 1…1440 minutes, angle: 0…90}`);
      }
      return { start, duration, angle };
    });
    await run(valves, c, { kind: 'schedule', enabled, windows: ws });
  });
  r.on('POST', `${P}/:id/sensor`, VALVE_USERS, async (c) => {
    const b = field.obj(await c.body());
    const enabled = bool(b, 'enabled');
    const threshold = field.num(b, 'threshold', !enabled) ?? 0;
    const angle = field.num(b, 'angle', !enabled) ?? 0;
    if (angle < 0 || angle > 90) throw new HttpError(400, 'INVALID_FIELD', 'angle must be 0…90 (degrees)');
    await run(valves, c, { kind: 'sensor', enabled, threshold, angle });
  });
}
