// One station's work, run one job at a time: urgent jobs (emergency, stop, connection status)
// before any waiting routine job (readings, card scans), each lane in arrival order. A bounded
// push into a full lane is refused, so a flood cannot grow memory without limit.

export type Job = () => Promise<void>;

/** A FIFO with O(1) shift that gives its memory back as it drains. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }

  clear(): number {
    const n = this.size;
    this.items = [];
    this.head = 0;
    return n;
  }
}

export class StationQueue {
  private readonly urgent = new Fifo<Job>();
  private readonly routine = new Fifo<Job>();
  private running: Promise<void> | undefined;

  /**
   * @param limit the most jobs each lane holds for bounded pushes
   * @param onError called with what a job throws; the queue goes on with the next job
   */
  constructor(
    private readonly limit: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Jobs waiting (not the one running). */
  get size(): number {
    return this.urgent.size + this.routine.size;
  }

  /** Queues a job; false, with the job dropped, when `bounded` and its lane is full. */
  push(job: Job, o: { urgent?: boolean; bounded?: boolean } = {}): boolean {
    const lane = o.urgent ? this.urgent : this.routine;
    if (o.bounded && lane.size >= this.limit) return false;
    lane.push(job);
    this.running ??= this.drain();
    return true;
  }

  /** Resolves when no job is waiting or running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Drops the waiting jobs (the running one finishes); returns how many were dropped. */
  clear(): number {
    return this.urgent.clear() + this.routine.clear();
  }

  private async drain(): Promise<void> {
    for (let job = this.next(); job; job = this.next()) {
      try {
        await job();
      } catch (e) {
        this.onError(e);
      }
    }
    this.running = undefined;
  }

  private next(): Job | undefined {
    return this.urgent.shift() ?? this.routine.shift();
  }
}
