// Ctrl-C for the long-running commands: the first one stops gracefully but within a deadline,
// a second one exits at once. Exiting at the deadline or on a second Ctrl-C is safe for the
// stores: every write is one transaction, so an interrupted one is rolled back, not half made.

export interface ShutdownOptions {
  /** The graceful stop: finish or drop queued work, close sockets and the store. */
  stop(): Promise<void>;
  /** How long the graceful stop may take before the process exits without it, ms. */
  deadlineMs: number;
  /** Called as the first signal arrives. */
  onStopping(): void;
  /** Called when the deadline passes with the stop unfinished, just before exiting. */
  onDeadline(): void;
  /** Called on a second signal, just before exiting. */
  onSecond(): void;
  exit?: (code: number) => void;
}

export const EXIT_INTERRUPTED = 130;

/**
 * Resolves with exit status 0 once a signal's graceful stop has finished in time. A signal that
 * comes after that (while the process winds down) exits with 0 at once: the work is done, and
 * Node's default action would end the process by the signal instead.
 */
export function stopOnSignal(o: ShutdownOptions, signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<number> {
  const exit = o.exit ?? ((code: number) => process.exit(code));
  return new Promise<number>((resolve) => {
    let stopping = false;
    let stopped = false;
    const onSignal = () => {
      if (stopped) {
        exit(0);
        return;
      }
      if (stopping) {
        o.onSecond();
        exit(EXIT_INTERRUPTED);
        return;
      }
      stopping = true;
      o.onStopping();
      const deadline = setTimeout(() => {
        o.onDeadline();
        exit(1);
      }, o.deadlineMs);
      o.stop().then(
        () => {
          clearTimeout(deadline);
          stopped = true;
          resolve(0);
        },
        (e: unknown) => {
          clearTimeout(deadline);
          process.stderr.write(`espfleet: stopping failed: ${(e as Error)?.stack ?? e}\n`);
          exit(1);
        },
      );
    };
    for (const s of signals) process.on(s, onSignal);
  });
}

/**
 * Exits with `code` once stdout and stderr have taken what was written. A long-running command
 * calls it after its graceful stop, so the process does not linger in Node's teardown, where a
 * further Ctrl-C would find the signal handlers gone and kill it by the signal.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((done) => s.write('', () => done()))));
  process.exit(code);
}
