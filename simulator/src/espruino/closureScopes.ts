// What a firmware bundle keeps in closures, seen through V8's inspector (a Session in this
// thread, so every call answers synchronously). A bundle runs inside `(function(){ … })()`, so
// its state is held by functions that timers, watches and socket listeners keep alive, not by
// globals. `Runtime.queryObjects` lists every live function of the device's context (after a
// full GC, which is what makes a call cost tens of milliseconds), and each function's
// `[[Scopes]]` internal property materializes its closure variables as plain objects.
import inspector from 'node:inspector';
import vm from 'node:vm';

/** One closure scope of a function: its variables, name → value. */
export interface ScopeView {
  /** Equal for two views of the same closure (materialized copies have no identity of their own). */
  key: string;
  vars: Record<string, unknown>;
}

const GROUP = 'espfleet-memory';
/** A context global that exists only during one inspector call, to hand a value to the host. */
const PROBE = '__espfleetMemoryProbe';

let session: inspector.Session | undefined;

function connected(): inspector.Session {
  if (!session) {
    session = new inspector.Session();
    session.connect();
  }
  return session;
}

function post<T>(method: string, params?: object): T {
  let out: T | undefined;
  let failure: Error | null = null;
  connected().post(method, params, (e: Error | null, r: unknown) => {
    failure = e;
    out = r as T;
  });
  if (failure) throw failure;
  if (out === undefined) throw new Error(`inspector ${method} did not answer synchronously`);
  return out;
}

interface RemoteObject {
  objectId?: string;
  value?: unknown;
}
interface Properties {
  internalProperties?: { name: string; value: RemoteObject }[];
}

/** The value behind a remote object, handed over through a probe global of the context the object's id belongs to. */
function fetchRemote(context: vm.Context, objectId: string): unknown {
  const holder: { value?: unknown } = {};
  const globals = [context, globalThis] as Record<string, unknown>[];
  for (const g of globals) g[PROBE] = holder;
  try {
    post('Runtime.callFunctionOn', { objectId, functionDeclaration: `function () { ${PROBE}.value = this; }`, objectGroup: GROUP });
  } finally {
    for (const g of globals) delete g[PROBE];
  }
  return holder.value;
}

const contextIds = new WeakMap<vm.Context, number>();

/** The inspector's id of a vm context: the one that sees a token set on it. */
function contextIdOf(context: vm.Context): number {
  const known = contextIds.get(context);
  if (known !== undefined) return known;
  const ids: number[] = [];
  const listener = (m: { params: { context: { id: number; auxData?: { isDefault?: boolean } } } }) => {
    if (!m.params.context.auxData?.isDefault) ids.push(m.params.context.id);
  };
  // Enabling the Runtime domain announces every existing context; it stays on only for that.
  connected().on('Runtime.executionContextCreated', listener);
  try {
    post('Runtime.enable');
    post('Runtime.disable');
  } finally {
    connected().off('Runtime.executionContextCreated', listener);
  }
  const token = `ctx-${Math.random().toString(36).slice(2)}`;
  (context as Record<string, unknown>)[PROBE] = token;
  try {
    for (const id of ids) {
      let r: { result: RemoteObject };
      try {
        r = post('Runtime.evaluate', { expression: `typeof ${PROBE} === 'string' ? ${PROBE} : ''`, contextId: id, returnByValue: true });
      } catch {
        continue; // a context that went away since it was listed
      }
      if (r.result.value === token) {
        contextIds.set(context, id);
        return id;
      }
    }
  } finally {
    delete (context as Record<string, unknown>)[PROBE];
  }
  throw new Error('the device context is not known to the inspector');
}

/** Every live function made in `context` by JavaScript code (V8's own built-ins left out). */
export function liveFunctions(context: vm.Context): Function[] {
  const contextId = contextIdOf(context);
  try {
    const proto = post<{ result: RemoteObject }>('Runtime.evaluate', {
      expression: 'Object.getPrototypeOf(function () {})', contextId, objectGroup: GROUP,
    });
    const found = post<{ objects: RemoteObject }>('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId, objectGroup: GROUP });
    const all = fetchRemote(context, found.objects.objectId!) as Function[];
    return Array.from(all).filter((f) => typeof f === 'function' && !/\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(f)));
  } finally {
    post('Runtime.releaseObjectGroup', { objectGroup: GROUP });
  }
}

const scriptUrls = new Map<string, string>();

interface FunctionLocation {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

/**
 * Where a function's code is: its script's file name (vm's `evalmachine.<anonymous>` when none
 * was given, as for the realm's own setup) and position. Script ids come from
 * [[FunctionLocation]]; names from the Debugger domain, which announces every script when
 * enabled and is switched off again at once.
 */
export function locationOf(f: Function): { script: string; line: number; column: number } | undefined {
  const loc = withObjectId(f, (id) => {
    const p = post<Properties>('Runtime.getProperties', { objectId: id, ownProperties: true });
    return p.internalProperties?.find((i) => i.name === '[[FunctionLocation]]')?.value.value as FunctionLocation | undefined;
  });
  if (!loc) return undefined;
  if (!scriptUrls.has(loc.scriptId)) {
    const listener = (m: { params: { scriptId: string; url: string } }) => void scriptUrls.set(m.params.scriptId, m.params.url);
    connected().on('Debugger.scriptParsed', listener);
    try {
      post('Debugger.enable');
      post('Debugger.disable');
    } finally {
      connected().off('Debugger.scriptParsed', listener);
    }
  }
  const script = scriptUrls.get(loc.scriptId);
  return script === undefined ? undefined : { script, line: loc.lineNumber, column: loc.columnNumber };
}

const SCOPE_KINDS = /^(Closure|Block|Catch)\b/;

/** The closure scopes of a function made in `context`, innermost first (not the global scopes). */
export function closureScopes(context: vm.Context, f: Function, identity: (v: object) => number): ScopeView[] {
  return withObjectId(f, (id) => {
    const p = post<Properties>('Runtime.getProperties', { objectId: id, ownProperties: true });
    const list = p.internalProperties?.find((i) => i.name === '[[Scopes]]')?.value.objectId;
    if (!list) return [];
    const scopes = fetchRemote(context, list) as ArrayLike<{ description?: string; object?: Record<string, unknown> }>;
    const out: ScopeView[] = [];
    for (const s of Array.from(scopes)) {
      if (!s.object || !SCOPE_KINDS.test(s.description ?? '')) continue;
      const vars = s.object;
      const parts = Object.keys(vars).map((k) => `${k}=${token(vars[k], identity)}`);
      out.push({ key: `${s.description}|${parts.join('|')}`, vars });
    }
    return out;
  });
}

function token(v: unknown, identity: (v: object) => number): string {
  if ((typeof v === 'object' && v !== null) || typeof v === 'function') return `#${identity(v as object)}`;
  if (typeof v === 'string') return `s${v.length}:${v.slice(0, 24)}`;
  return `${typeof v}:${String(v)}`;
}

function withObjectId<T>(v: object, use: (objectId: string) => T): T {
  (globalThis as Record<string, unknown>)[PROBE] = v;
  try {
    const r = post<{ result: RemoteObject }>('Runtime.evaluate', { expression: `globalThis.${PROBE}`, objectGroup: GROUP });
    return use(r.result.objectId!);
  } finally {
    delete (globalThis as Record<string, unknown>)[PROBE];
    post('Runtime.releaseObjectGroup', { objectGroup: GROUP });
  }
}

/** Scripts vm ran without a file name: the realm's own setup, not firmware. */
const REALM_SCRIPT = 'evalmachine.<anonymous>';

/**
 * The live functions of the firmware: code run under a file name (bundles, modules, the
 * console), not the realm's setup nor the inspector's own unnamed probes.
 */
export function firmwareFunctions(context: vm.Context): Function[] {
  return liveFunctions(context).filter((f) => {
    const at = locationOf(f);
    if (!at?.script || at.script === REALM_SCRIPT) return false;
    // A script's own top level (the console line now running) is not a value the firmware holds.
    return !(at.line === 0 && at.column === 0 && !/^(async\s+)?(function|class)\b/.test(Function.prototype.toString.call(f)));
  });
}
