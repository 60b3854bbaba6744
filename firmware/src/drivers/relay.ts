// The contactor relay: one output pin, high = closed. It is driven open the moment it is made,
// so a boot, a reboot or a crash-and-restart always starts with the charging line dead.

/** What the relay needs from a pin (an Espruino Pin has it). */
export interface OutputPin {
  write(high: boolean): void;
}

/** Opens the relay now; returns the function that closes (true) or opens (false) it. */
export function relay(pin: OutputPin): (closed: boolean) => void {
  pin.write(false);
  return (closed) => pin.write(closed);
}
