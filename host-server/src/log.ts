// The server's logger (pino): JSON lines to a file or wherever JSON is asked for, one readable
// line per entry on a terminal. The readable form is a tiny pino destination rather than a
// pretty-printer dependency: it only has to turn pino's JSON line into text.
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogFormat } from './config.js';

export type { Logger };

export interface LogOptions {
  /** auto (default): readable when `stream` is a terminal, JSON otherwise. */
  format?: LogFormat;
  /** JSON lines go to this file (created with its directory) instead of `stream`. */
  file?: string;
  /** Where console logs go; default process.stdout. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '36' },
  30: { name: 'INFO', color: '32' },
  40: { name: 'WARN', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};
/** pino's own fields, shown in the line's fixed part or not at all. */
const OWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'err']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One pino JSON entry as a readable line: `12:00:01.234 WARN  message key=value …`, then an error's stack. */
export function formatLogLine(entry: Record<string, unknown>, color = false): string {
  const lvl = LEVELS[entry.level as number] ?? { name: String(entry.level), color: '0' };
  const t = new Date(typeof entry.time === 'number' ? entry.time : Date.now());
  const time = `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}:${String(t.getSeconds()).padStart(2, '0')}.${String(t.getMilliseconds()).padStart(3, '0')}`;
  const name = lvl.name.padEnd(5);
  const fields = Object.entries(entry)
    .filter(([k]) => !OWN.has(k))
    .map(([k, v]) => `${k}=${value(v)}`);
  let line = `${time} ${color ? `\x1b[${lvl.color}m${name}\x1b[0m` : name} ${entry.msg ?? ''}${fields.length ? `  ${fields.join(' ')}` : ''}`;
  const err = entry.err as { message?: string; stack?: string } | undefined;
  if (err) line += `\n    ${(err.stack ?? err.message ?? value(err)).split('\n').join('\n    ')}`;
  return line + '\n';
}

/** A pino destination writing readable lines to `out`. */
export function readableDestination(out: NodeJS.WritableStream, color: boolean): DestinationStream {
  return {
    write(chunk: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(chunk) as Record<string, unknown>;
      } catch {
        out.write(chunk);
        return;
      }
      out.write(formatLogLine(entry, color));
    },
  };
}

export function createLogger(level: string, o: LogOptions = {}): Logger {
  const options = { level, base: { service: 'espfleet-host' } };
  // Synchronous writes: a process stopped by a second Ctrl-C loses no line it had logged, and
  // log lines keep their order with the CLI's own output.
  if (o.file) return pino(options, pino.destination({ dest: o.file, mkdir: true, sync: true }));
  const stream = o.stream ?? process.stdout;
  const readable = o.format === 'pretty' || ((o.format ?? 'auto') === 'auto' && !!stream.isTTY);
  if (readable) return pino(options, readableDestination(stream, !!stream.isTTY));
  return pino(options, o.stream ?? pino.destination({ dest: 1, sync: true }));
}
