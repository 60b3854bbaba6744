// A limit switch to ground on an input_pullup pin (low = engaged), debounced by setWatch.

/**
 * Watches the switch, calling `onChange(engaged)` on each debounced edge; returns whether it is
 * engaged now. Throws when the pin cannot be used (Espruino: "Invalid pin").
 */
export function watchLimitSwitch(pin: Pin, debounceMs: number, onChange: (engaged: boolean) => void): () => boolean {
  pinMode(pin, 'input_pullup');
  let engaged = digitalRead(pin) === 0;
  setWatch(
    (e) => {
      engaged = !e.state;
      onChange(engaged);
    },
    pin,
    { repeat: true, edge: 'both', debounce: debounceMs },
  );
  return () => engaged;
}
