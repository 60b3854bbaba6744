// One shape for every espfleet command: options declared once give parsing, --help and
// --json; errors a user can act on exit with status 2 and a one-line message.
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** Shown in --help; names the value, e.g. "N" or "URL". */
  value?: string;
  help: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Takes words after the command (e.g. `valve move 45`); they arrive as opts._ (string[]). */
  positionals?: boolean;
  examples?: string[];
  run(opts: Record<string, unknown>, out: Output): Promise<number>;
}

export class UsageError extends Error {}

export interface Output {
  json: boolean;
  /** Human text (suppressed with --json). */
  say(text: string): void;
  /** One JSON document per line with --json. */
  emit(obj: Record<string, unknown>): void;
  /** Progress for long operations: a rewritten line on a terminal, plain lines otherwise. */
  progress(text: string): void;
  error(text: string): void;
}

export function makeOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  const tty = !json && !!stdout.isTTY;
  let open = false;
  const endLine = () => {
    if (open) stdout.write('\n');
    open = false;
  };
  return {
    json,
    say(text) {
      if (json) return;
      endLine();
      stdout.write(text + '\n');
    },
    emit(obj) {
      if (json) stdout.write(JSON.stringify(obj) + '\n');
    },
    progress(text) {
      if (json) return;
      if (tty) {
        stdout.write('\r\x1b[2K' + text);
        open = true;
      } else stdout.write(text + '\n');
    },
    error(text) {
      endLine();
      if (json) stderr.write(JSON.stringify({ type: 'error', message: text }) + '\n');
      else stderr.write(`espfleet: ${text}\n`);
    },
  };
}

const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  json: { type: 'boolean', help: 'machine-readable output: one JSON document per line' },
};

export function helpText(c: Command): string {
  const all = { ...c.options, ...COMMON };
  const rows = Object.entries(all).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : '';
    return `  ${flag.padEnd(30)} ${o.help}${def}`;
  });
  const ex = c.examples?.length ? `\n\nExamples:\n${c.examples.map((e) => `  ${e}`).join('\n')}` : '';
  return `${c.summary}\n\nUsage: ${c.usage}\n\nOptions:\n${rows.join('\n')}${ex}`;
}

export async function runCommand(c: Command, argv: string[]): Promise<number> {
  const all = { ...c.options, ...COMMON };
  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(all).map(([k, o]) => {
          // parseArgs rejects keys present with undefined values.
          const spec: Record<string, unknown> = { type: o.type };
          if (o.short) spec.short = o.short;
          if (o.multiple) spec.multiple = true;
          if (o.default !== undefined) spec.default = o.default;
          return [k, spec as never];
        }),
      ),
      strict: true,
      allowPositionals: !!c.positionals,
    });
    values = parsed.values as Record<string, unknown>;
    if (c.positionals) values._ = parsed.positionals;
  } catch (e) {
    const out = makeOutput(argv.includes('--json'));
    out.error(`${(e as Error).message}\nRun 'espfleet ${c.name} --help' for the options.`);
    return 2;
  }
  const out = makeOutput(!!values.json);
  if (values.help) {
    if (out.json) out.emit({ type: 'help', command: c.name, summary: c.summary, usage: c.usage, options: all });
    else process.stdout.write(helpText(c) + '\n');
    return 0;
  }
  try {
    return await c.run(values, out);
  } catch (e) {
    if (e instanceof UsageError) {
      out.error(e.message);
      return 2;
    }
    throw e;
  }
}

export function intOption(v: unknown, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}
