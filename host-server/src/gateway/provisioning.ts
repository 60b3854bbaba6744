// The `qr` a device not yet provisioned offers: a provisioning string naming the device and a
// one-time code, rotated while anyone watches the device and it has never authenticated.
import { randomBytes } from 'node:crypto';

export function provisioningString(deviceId: number): string {
  return `espfleet://provision?d=${deviceId}&k=${randomBytes(8).toString('hex')}`;
}

/** One rotating string per device while it is watched; `emit` sends each new one. */
export class ProvisioningCodes {
  private readonly current = new Map<number, { qr: string; timer: NodeJS.Timeout }>();

  constructor(
    private readonly rotateMs: number,
    private readonly emit: (deviceId: number, qr: string) => void,
    /** Whether anyone here still watches the device. */
    private readonly watched: (deviceId: number) => boolean,
  ) {}

  /** The device's current string, starting its rotation. */
  codeFor(deviceId: number): string {
    const have = this.current.get(deviceId);
    if (have) return have.qr;
    const entry = { qr: provisioningString(deviceId), timer: setInterval(() => this.rotate(deviceId), this.rotateMs) };
    entry.timer.unref();
    this.current.set(deviceId, entry);
    return entry.qr;
  }

  private rotate(deviceId: number): void {
    const entry = this.current.get(deviceId);
    if (!entry) return;
    if (!this.watched(deviceId)) return this.stop(deviceId);
    entry.qr = provisioningString(deviceId);
    this.emit(deviceId, entry.qr);
  }

  /** The device authenticated (or went away): no more strings for it. */
  stop(deviceId: number): void {
    const entry = this.current.get(deviceId);
    if (!entry) return;
    clearInterval(entry.timer);
    this.current.delete(deviceId);
  }

  close(): void {
    for (const id of [...this.current.keys()]) this.stop(id);
  }
}
