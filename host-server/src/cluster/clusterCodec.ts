// The frames instances exchange on the cluster channel. One PUBLISH carries every frame of one
// event-loop turn: {"o": sender instance, "f": [frame, …]}. Every instance receives every
// publish, its own included (dropped by `o`); frames addressed to one instance carry its id.
//   ["d", station, text]               a station's dashboard message, sent by its owner
//   ["s", device, sensor|null, text]   a sensor stream message (sensor null: device status)
//   ["w", station]                     "release this station": a charger connected here
//   ["c", to, from, request, station, cmd]  a command for the station's owner (cmd: Command)
//   ["r", to, request, texts]          the owner's answer: dashboard messages for the asker
//   ["i", all, devices, sensors, gateway]  what this instance's subscribers watch (see interest.ts)
export type Command = { kind: 'stop'; sessionId: number } | { kind: 'reset' } | { kind: 'joined' };

export type Frame =
  | { t: 'dashboard'; station: number; text: string }
  | { t: 'sensor'; device: number; sensor: number | null; text: string }
  | { t: 'want'; station: number }
  | { t: 'command'; to: string; from: string; request: number; station: number; command: Command }
  | { t: 'reply'; to: string; request: number; texts: string[] }
  | { t: 'interest'; interest: Interest };

/** What one instance's subscribers watch: the all-sensors stream, devices' and sensors' streams, gateway devices. */
export interface Interest {
  all: boolean;
  devices: number[];
  sensors: number[];
  gateway: number[];
}

export function encodeFrame(f: Frame): unknown[] {
  switch (f.t) {
    case 'dashboard':
      return ['d', f.station, f.text];
    case 'sensor':
      return ['s', f.device, f.sensor, f.text];
    case 'want':
      return ['w', f.station];
    case 'command':
      return ['c', f.to, f.from, f.request, f.station, f.command];
    case 'reply':
      return ['r', f.to, f.request, f.texts];
    case 'interest':
      return ['i', f.interest.all ? 1 : 0, f.interest.devices, f.interest.sensors, f.interest.gateway];
  }
}

export function encodeBatch(origin: string, frames: Frame[]): string {
  return JSON.stringify({ o: origin, f: frames.map(encodeFrame) });
}

const isId = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isText = (x: unknown): x is string => typeof x === 'string';

function decodeCommand(x: unknown): Command | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const c = x as Record<string, unknown>;
  if (c.kind === 'stop' && isId(c.sessionId)) return { kind: 'stop', sessionId: c.sessionId };
  if (c.kind === 'reset' || c.kind === 'joined') return { kind: c.kind };
  return undefined;
}

export function decodeFrame(x: unknown): Frame | undefined {
  if (!Array.isArray(x)) return undefined;
  const [k, a, b, c, d, e] = x;
  if (k === 'd' && isId(a) && isText(b)) return { t: 'dashboard', station: a, text: b };
  if (k === 's' && isId(a) && (b === null || isId(b)) && isText(c)) return { t: 'sensor', device: a, sensor: b, text: c };
  if (k === 'w' && isId(a)) return { t: 'want', station: a };
  if (k === 'c' && isText(a) && isText(b) && isId(c) && isId(d)) {
    const command = decodeCommand(e);
    return command && { t: 'command', to: a, from: b, request: c, station: d, command };
  }
  if (k === 'r' && isText(a) && isId(b) && Array.isArray(c) && c.every(isText)) return { t: 'reply', to: a, request: b, texts: c };
  const ids = (v: unknown): v is number[] => Array.isArray(v) && v.every(isId);
  if (k === 'i' && (a === 0 || a === 1) && ids(b) && ids(c) && ids(d)) return { t: 'interest', interest: { all: a === 1, devices: b, sensors: c, gateway: d } };
  return undefined;
}

/**
 * A publish as received: its sender and the frames that decode (a frame that does not is
 * skipped, counted in `bad`); undefined when the publish itself is not a batch.
 */
export function decodeBatch(raw: string): { origin: string; frames: Frame[]; bad: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const { o, f } = v as Record<string, unknown>;
  if (!isText(o) || !Array.isArray(f)) return undefined;
  const frames: Frame[] = [];
  for (const x of f) {
    const fr = decodeFrame(x);
    if (fr) frames.push(fr);
  }
  return { origin: o, frames, bad: f.length - frames.length };
}
