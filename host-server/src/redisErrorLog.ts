// Redis errors of one subsystem, counted every time and logged at most once per operation every
// ten seconds: a Redis outage fails every command, and a line per failure would bury the log.
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

const LOG_EVERY_MS = 10_000;

export class RedisErrorLog {
  private readonly lastLog = new Map<string, { at: number; suppressed: number }>();

  /** `metric` is counted with label `op`; `message` is what a logged failure says. */
  constructor(private readonly o: { log: Logger; metrics: Metrics; metric: string; message: string }) {}

  failed(op: string, e: Error): void {
    this.o.metrics.inc(this.o.metric, { op });
    const now = Date.now();
    const l = this.lastLog.get(op);
    if (l && now - l.at < LOG_EVERY_MS) {
      l.suppressed++;
      return;
    }
    this.lastLog.set(op, { at: now, suppressed: 0 });
    this.o.log.warn({ op, err: e.message, suppressed: l?.suppressed ?? 0 }, this.o.message);
  }
}
