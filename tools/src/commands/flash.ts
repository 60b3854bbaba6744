// espfleet flash: put a firmware bundle and its configuration on a board with the espruino CLI,
// over USB serial or over the network to Espruino's telnet console.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, type Output, UsageError, intOption } from '../command.js';
import { storedConfig, type App } from '../flash/config.js';
import { espruinoArgs, foreignModules, type Target } from '../flash/espruinoCli.js';
import { runEspruino } from '../flash/runEspruino.js';

const DEFAULT_BOARD = fileURLToPath(new URL('../../boards/ESP32.json', import.meta.url));
/** Exit statuses beside 2 (usage): the same numbers `espfleet valve` uses for the same kinds. */
export const FLASH_EXIT = { unreachable: 4, timeout: 5, failed: 6 } as const;

function bundlePath(app: App, given: string | undefined): string {
  let p = given;
  if (!p) {
    try {
      p = createRequire(import.meta.url).resolve(`@espfleet/firmware/dist/${app}.js`);
    } catch {
      p = undefined;
    }
  }
  if (!p || !existsSync(p)) {
    throw new UsageError(given ? `bundle not found: ${given}` : `no ${app} firmware bundle: build it (npm run build -w @espfleet/firmware) or pass --bundle FILE`);
  }
  return resolve(p);
}

/** HOST or HOST:PORT (telnet console, port 23 by default). */
function telnetTarget(v: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(v);
  if (!m) throw new UsageError(`--host "${v}" must be HOST or HOST:PORT`);
  return { host: m[1], port: m[2] === undefined ? 23 : intOption(m[2], 'host port', 1, 65535) };
}

function builtins(board: string): string[] {
  try {
    const j = JSON.parse(readFileSync(board, 'utf8')) as { info?: { builtin_modules?: string[] } };
    if (!Array.isArray(j.info?.builtin_modules)) throw new Error('it has no info.builtin_modules list');
    return j.info.builtin_modules;
  } catch (e) {
    throw new UsageError(`board file ${board}: ${(e as Error).message}`);
  }
}

export const flash: Command = {
  name: 'flash',
  summary: 'Upload a firmware bundle (valve or charger) and its configuration to a board over USB serial or telnet.',
  usage: 'espfleet flash valve|charger (--port /dev/ttyUSB0 | --host HOST[:PORT] | --dry-run -o out.js) [--config FILE]',
  positionals: true,
  options: {
    port: { type: 'string', value: 'DEVICE', help: 'the board\'s serial port, e.g. /dev/ttyUSB0' },
    baud: { type: 'string', value: 'N', default: '115200', help: 'serial baud rate (Espruino on an ESP32 talks at 115200)' },
    host: { type: 'string', value: 'HOST[:PORT]', help: 'upload over the network to Espruino\'s telnet console (port 23 unless given)' },
    config: { type: 'string', value: 'FILE', help: 'JSON configuration written to the board\'s Storage as espfleet.json (device_id, passkey, wifi, …)' },
    bundle: { type: 'string', value: 'FILE', help: 'the firmware bundle (default: firmware/dist/APP.js)' },
    board: { type: 'string', value: 'FILE', help: 'board JSON for the espruino CLI (default: the ESP32 file shipped with espfleet)' },
    'dry-run': { type: 'boolean', help: 'send nothing: write what would be sent to -o FILE' },
    output: { type: 'string', short: 'o', value: 'FILE', help: 'write the code that is sent to FILE' },
    timeout: { type: 'string', value: 'S', default: '120', help: 'seconds the whole upload may take' },
  },
  examples: [
    'espfleet flash valve --port /dev/ttyUSB0 --config valve.json',
    'espfleet flash charger --host 192.168.1.41 --config charger.json',
    'espfleet flash valve --config valve.json --dry-run -o upload.js',
    `exit status: 0 uploaded, 2 usage, ${FLASH_EXIT.unreachable} no board answers, ${FLASH_EXIT.timeout} timeout, ${FLASH_EXIT.failed} the upload failed`,
  ],
  async run(o, out: Output) {
    const [app, ...extra] = o._ as string[];
    if (app !== 'valve' && app !== 'charger') throw new UsageError('give the app to flash: valve or charger');
    if (extra.length) throw new UsageError(`unexpected words: ${extra.join(' ')}`);
    const dryRun = !!o['dry-run'];
    const output = o.output as string | undefined;
    const given = [o.port && '--port', o.host && '--host', dryRun && '--dry-run'].filter(Boolean);
    if (given.length !== 1) throw new UsageError(given.length ? `give one of ${given.join(', ')}, not both` : 'give --port DEVICE, --host HOST or --dry-run -o FILE');
    if (dryRun && !output) throw new UsageError('--dry-run writes what would be sent to a file: give -o FILE');
    const timeoutS = Number(o.timeout);
    if (!(timeoutS > 0 && timeoutS <= 3600)) throw new UsageError('--timeout must be a number of seconds from 0 to 3600');
    const target: Target = o.port
      ? { serial: String(o.port), baud: intOption(o.baud, 'baud', 300, 4_000_000) }
      : o.host
        ? telnetTarget(String(o.host))
        : { dryRun: true };
    const where = 'serial' in target ? target.serial : 'host' in target ? `${target.host}:${target.port} (telnet)` : 'nowhere (dry run)';

    const bundle = bundlePath(app, o.bundle as string | undefined);
    const board = resolve((o.board as string | undefined) ?? DEFAULT_BOARD);
    const foreign = foreignModules(readFileSync(bundle, 'utf8'), builtins(board));
    // The CLI would try to download them from the internet at upload time.
    if (foreign.length) throw new UsageError(`${bundle} requires modules the board does not have built in: ${foreign.join(', ')}`);
    let config: string | undefined;
    if (o.config !== undefined) {
      const file = String(o.config);
      if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`config file not found: ${file}`);
      config = storedConfig(app, readFileSync(file, 'utf8'), file);
    }

    // The CLI runs in a scratch directory: it looks for modules and writes job files in its cwd.
    const work = mkdtempSync(join(tmpdir(), 'espfleet-flash-'));
    try {
      // The CLI reads the bundle as UTF-8 text and stores characters up to U+00FF as one byte
      // each, so "á" would reach the board as the Latin-1 byte. Given the bundle's bytes as
      // characters, it stores exactly the bytes of the bundle (the firmware's strings are bytes).
      const appFile = join(work, `${app}.js`);
      writeFileSync(appFile, readFileSync(bundle).toString('latin1'), 'utf8');
      let configFile: string | undefined;
      if (config !== undefined) writeFileSync((configFile = join(work, 'espfleet.json')), config);
      // First what would be sent, written by the CLI itself: the dry run's file, and the size
      // that upload progress is measured against.
      const code = join(work, 'upload.js');
      const plan = { bundle: appFile, board, configFile, output: code };
      const dry = await runEspruino(espruinoArgs({ ...plan, target: { dryRun: true } }), { cwd: work, where, timeoutMs: 60_000, onEvent: () => {} });
      if (!existsSync(code)) throw new Error(`the espruino CLI wrote no output: ${dry.log.device.join('\n')}`);
      const total = statSync(code).size;
      if (output) copyFileSync(code, output);
      if (dryRun) {
        out.say(`wrote ${total} bytes to ${output}: ${config ? 'espfleet.json, then ' : ''}${app} bundle ${bundle} to Storage .bootcde, then load()`);
        out.emit({ type: 'dry-run', app, output, bytes: total, bundle, config: config !== undefined });
        return 0;
      }

      out.progress(`connecting to ${where}…`);
      out.emit({ type: 'progress', phase: 'connecting', target: where });
      const started = Date.now();
      let shown = -1;
      const r = await runEspruino(espruinoArgs({ bundle: appFile, board, configFile, target }), {
        cwd: work,
        where,
        timeoutMs: timeoutS * 1000,
        onEvent: (e) => {
          if (e.type === 'prompt') {
            out.progress(`${where}: Espruino answered; uploading ${total} bytes`);
            out.emit({ type: 'progress', phase: 'uploading', bytes: 0, total });
          } else if (e.type === 'sent') {
            // Chunks are small (20 bytes): shown in steps of 5 %.
            const pct = Math.min(100, Math.floor((100 * e.bytes) / total / 5) * 5);
            if (pct === shown) return;
            shown = pct;
            out.progress(`uploading ${app} to ${where}: ${pct}% (${Math.min(e.bytes, total)}/${total} bytes)`);
            out.emit({ type: 'progress', phase: 'uploading', bytes: e.bytes, total });
          }
        },
      });
      if (!r.verdict.ok) {
        const tail = r.log.device.filter((l) => l.trim()).slice(-5);
        const exitCode = FLASH_EXIT[r.verdict.kind];
        if (out.json) process.stderr.write(JSON.stringify({ type: 'error', kind: r.verdict.kind, message: r.verdict.message, exitCode, board: tail }) + '\n');
        else out.error(`${r.verdict.message}${tail.length && r.verdict.kind === 'failed' ? `\nlast lines from the board:\n  ${tail.join('\n  ')}` : ''}`);
        return exitCode;
      }
      const said = r.log.device.filter((l) => l.trim() && l.trim() !== '>').slice(-3);
      if (said.length) out.say(`the board says:\n  ${said.join('\n  ')}`);
      const secs = Math.round((Date.now() - started) / 100) / 10;
      out.say(`uploaded ${app} to ${where} in ${secs} s (${total} bytes${config ? ', with espfleet.json' : ''}); it runs now and at every boot`);
      out.emit({ type: 'flashed', app, target: where, bytes: total, seconds: secs, config: config !== undefined });
      return 0;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
