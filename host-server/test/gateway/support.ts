// Gateway test helpers: the spec's own examples (cut from the spec, with only the host, port,
// key and device id replaced) run as real client processes, and a real charger on /ws.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rest, seedStation, type start } from '../support.js';
import { signToken } from '../../src/auth/jwt.js';

const here = dirname(fileURLToPath(import.meta.url));
const SPEC = resolve(here, '../../../docs/specs/device-gateway-socketio.md');

/** The spec's first code block in `lang`, pointed at this server, device and key. */
export function specExample(lang: 'javascript' | 'python', url: string, deviceId: string, apiKey: string): string {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readFileSync(SPEC, 'utf8'));
  if (!m) throw new Error(`no ${lang} example in the spec`);
  return m[1]
    .replaceAll('http://localhost:3000', url)
    .replaceAll("'your-device-id-here'", `'${deviceId}'`)
    .replaceAll("'your-api-key-here'", `'${apiKey}'`);
}

export class ExampleProcess {
  out = '';
  readonly child: ChildProcess;
  private readonly file: string;

  constructor(lang: 'javascript' | 'python', code: string) {
    // In the package, so `socket.io-client` resolves from its node_modules.
    this.file = join(here, `.example-${process.pid}-${Math.random().toString(36).slice(2)}.${lang === 'javascript' ? 'mjs' : 'py'}`);
    writeFileSync(this.file, code);
    this.child = lang === 'javascript' ? spawn(process.execPath, [this.file]) : spawn('/usr/bin/python3', ['-u', this.file]);
    this.child.stdout!.on('data', (d) => (this.out += d));
    this.child.stderr!.on('data', (d) => (this.out += d));
  }

  async printed(text: string, ms = 8000): Promise<string> {
    const end = Date.now() + ms;
    while (!this.out.includes(text)) {
      if (Date.now() > end) throw new Error(`the example did not print "${text}"; it printed:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    // What was printed with it: up to the end of the (one- or many-line) object after it.
    const from = this.out.slice(this.out.indexOf(text));
    return from.slice(0, from.indexOf('}') + 1 || undefined);
  }

  stop(): void {
    this.child.kill('SIGKILL');
    rmSync(this.file, { force: true });
  }
}

export type Server = Awaited<ReturnType<typeof start>>;

/** A station (whose device the gateway serves), an operator token and a key for the device. */
export async function deviceWithKey(s: Server, stationId = 1) {
  const admin = signToken(s.secret, { sub: 'op', role: 'admin' });
  const { station } = await seedStation(s, { id: stationId, uid: `CARD-${stationId}` });
  const deviceId = station.deviceId as number;
  const key = (await rest(s, 'POST', `/api/v1/devices/${deviceId}/api-keys`, { name: 'test' }, admin)).body;
  return { admin, deviceId, stationId, apiKey: key.apiKey as string, keyId: key.id as number, publisher: signToken(s.secret, { sub: `esp-${stationId}`, role: 'publisher', estacionId: stationId }) };
}
