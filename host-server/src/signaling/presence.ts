// The devices registered on this instance, by device and by user: the router's local first.

export interface LocalDevice {
  readonly email: string;
  readonly deviceId: string;
  readonly socketId: string;
}

const key = (email: string, deviceId: string) => `${email}\n${deviceId}`;

export class LocalPresence<D extends LocalDevice> {
  private readonly byDevice = new Map<string, D>();
  private readonly byEmail = new Map<string, Set<D>>();

  get(email: string, deviceId: string): D | undefined {
    return this.byDevice.get(key(email, deviceId));
  }

  /** Adds `d`, returning the entry it replaces (the same device on an older socket). */
  add(d: D): D | undefined {
    const k = key(d.email, d.deviceId);
    const old = this.byDevice.get(k);
    if (old) this.byEmail.get(old.email)?.delete(old);
    this.byDevice.set(k, d);
    let set = this.byEmail.get(d.email);
    if (!set) this.byEmail.set(d.email, (set = new Set()));
    set.add(d);
    return old === d ? undefined : old;
  }

  /** Removes `d` if it is still the device's current entry; false when it was replaced or gone. */
  remove(d: D): boolean {
    const k = key(d.email, d.deviceId);
    if (this.byDevice.get(k) !== d) return false;
    this.byDevice.delete(k);
    const set = this.byEmail.get(d.email);
    set?.delete(d);
    if (set && set.size === 0) this.byEmail.delete(d.email);
    return true;
  }

  devicesOf(email: string): Iterable<D> {
    return this.byEmail.get(email) ?? [];
  }

  hasUser(email: string): boolean {
    return this.byEmail.has(email);
  }

  all(): IterableIterator<D> {
    return this.byDevice.values();
  }

  get size(): number {
    return this.byDevice.size;
  }
}
