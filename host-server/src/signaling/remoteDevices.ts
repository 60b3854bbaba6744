// Which other instance holds a device, as this instance last heard it: learned from the presence
// frames every instance already sends (user_joined, a device registering again elsewhere), from
// the answers to the hello this instance says on each (re)subscription (devices that joined
// before it listened), and from the holder's ack of a broadcast message (entries it lacks), forgotten on user_left, and dropped when the holder says "gone" or stops answering. A message to a device found here is published once, addressed
// to its holder; one not found here is broadcast and waits for an ack, as the spec describes.
// The view only ever makes routing cheaper, never decides an answer: a stale entry costs a "gone"
// and a broadcast.

export interface RemoteDevice {
  readonly instance: string;
  /** As the router keys them (the email lower-case). */
  readonly email: string;
  readonly device: string;
  /** What the router keeps per device (how its frames name it). */
  readonly target: string;
}

const key = (email: string, deviceId: string) => `${email}\n${deviceId}`;

export class RemoteDevices {
  private readonly byDevice = new Map<string, RemoteDevice>();

  /** `max` bounds memory: past it, the entries learned longest ago are forgotten (they are relearned on use). */
  constructor(
    private readonly targetOf: (email: string, deviceId: string) => string,
    private readonly max = 100_000,
  ) {}

  get(email: string, deviceId: string): RemoteDevice | undefined {
    return this.byDevice.get(key(email, deviceId));
  }

  /** `instance` holds the device now. */
  learn(email: string, deviceId: string, instance: string): void {
    const k = key(email, deviceId);
    if (this.byDevice.get(k)?.instance === instance) return;
    this.byDevice.delete(k);
    if (this.byDevice.size >= this.max) this.byDevice.delete(this.byDevice.keys().next().value!);
    this.byDevice.set(k, { instance, email, device: deviceId, target: this.targetOf(email, deviceId) });
  }

  /** The device left, or `instance` (when given) said it does not hold it. */
  forget(email: string, deviceId: string, instance?: string): void {
    const k = key(email, deviceId);
    if (instance === undefined || this.byDevice.get(k)?.instance === instance) this.byDevice.delete(k);
  }

  /** `instance` stopped answering: none of its devices is routed to it directly any more. */
  forgetInstance(instance: string): void {
    for (const [k, d] of this.byDevice) if (d.instance === instance) this.byDevice.delete(k);
  }

  clear(): void {
    this.byDevice.clear();
  }

  get size(): number {
    return this.byDevice.size;
  }
}
