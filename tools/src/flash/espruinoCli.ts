// How espfleet drives the `espruino` CLI (npm espruino, pinned): the arguments for an upload,
// and the modules a bundle requires that the board does not have built in. Pure.

/** Where the CLI sends to: a serial port, Espruino's telnet console, or nowhere (-o only). */
export type Target = { serial: string; baud: number } | { host: string; port: number } | { dryRun: true };

export interface UploadPlan {
  bundle: string;
  board: string;
  /** A file holding the configuration to store as espfleet.json, if any. */
  configFile?: string;
  /** Where the CLI writes the code it sends (-o). */
  output?: string;
  target: Target;
}

/** The Storage file of the configuration (simulator/src/devices/boards.ts CONFIG_FILE). */
export const CONFIG_FILE = 'espfleet.json';

export function espruinoArgs(p: UploadPlan): string[] {
  // -v: the CLI reports the prompt check and every chunk it sends only when verbose; that is
  // how espfleet knows a board answered and shows upload progress. --no-ble: Bluetooth probing
  // needs D-Bus and crashes the CLI where there is none.
  const args = ['-v', '--no-ble', '--board', p.board];
  const t = p.target;
  if ('serial' in t) args.push('-p', t.serial, '-b', String(t.baud));
  else if ('host' in t) args.push('-p', `tcp://${t.host}:${t.port}`);
  else args.push('-n');
  if (p.configFile) args.push('--storage', `${CONFIG_FILE}:${p.configFile}`);
  // The app goes to Storage as .bootcde (run at every boot) and is loaded at once.
  args.push('--storage', '.bootcde:-');
  if (p.output) args.push('-o', p.output);
  args.push(p.bundle);
  return args;
}

/** Module names in `require("…")` calls of a bundle that are not among `builtins`. */
export function foreignModules(code: string, builtins: string[]): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(/\brequire\(\s*(["'])([^"']+)\1\s*\)/g)) if (!builtins.includes(m[2])) names.add(m[2]);
  return [...names];
}
