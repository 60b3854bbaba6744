// Counters and gauges for /metrics, in the Prometheus text format.
export class Metrics {
  private counters = new Map<string, number>();
  private gauges = new Map<string, () => number>();
  private help = new Map<string, string>();

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const key = name + fmtLabels(labels);
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  /** A counter bound to its labels once, for hot paths (one per message sent). */
  counter(name: string, labels: Record<string, string> = {}): { inc(): void } {
    const key = name + fmtLabels(labels);
    if (!this.counters.has(key)) this.counters.set(key, 0);
    const counters = this.counters;
    return {
      inc() {
        counters.set(key, counters.get(key)! + 1);
      },
    };
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, read);
    this.help.set(name, help);
  }

  describe(name: string, help: string): void {
    this.help.set(name, help);
  }

  get(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(name + fmtLabels(labels)) ?? 0;
  }

  text(): string {
    const out: string[] = [];
    const byName = new Map<string, string[]>();
    for (const [key, v] of this.counters) {
      const name = key.split('{')[0];
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name)!.push(`${key} ${v}`);
    }
    for (const [name, lines] of byName) {
      out.push(`# HELP ${name} ${this.help.get(name) ?? name}`, `# TYPE ${name} counter`, ...lines);
    }
    for (const [name, read] of this.gauges) out.push(`# HELP ${name} ${this.help.get(name)}`, `# TYPE ${name} gauge`, `${name} ${read()}`);
    return out.join('\n') + '\n';
  }
}

function fmtLabels(labels: Record<string, string>): string {
  const e = Object.entries(labels);
  if (!e.length) return '';
  return '{' + e.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c))}"`).join(',') + '}';
}
