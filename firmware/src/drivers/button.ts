// A push button to ground on an input_pullup pin (low = pressed), debounced by Espruino's setWatch.

export interface WatchEvent {
  state: boolean;
  time: number;
}

/** What the button needs: Espruino's pinMode and setWatch for its pin. */
export interface WatchablePin {
  mode(mode: string): void;
  watch(fn: (e: WatchEvent) => void, opts: { edge: string; debounce: number; repeat: boolean }): void;
}

export const BUTTON_DEBOUNCE_MS = 30;

/** Calls `changed(pressed)` on every debounced change of the button. */
export function watchButton(pin: WatchablePin, changed: (pressed: boolean) => void): void {
  pin.mode('input_pullup');
  pin.watch((e) => changed(!e.state), { edge: 'both', debounce: BUTTON_DEBOUNCE_MS, repeat: true });
}
