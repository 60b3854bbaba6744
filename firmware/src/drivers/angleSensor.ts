// A potentiometer on the valve shaft read by the ADC: averaged, and mapped linearly from the
// calibration endpoints (analogRead at 0° and at 90°) to degrees.

/** Degrees, fractional; a little outside 0..90 at the hard stops. */
export function angleSensor(pin: Pin, at0: number, at90: number, samples: number): () => number {
  return () => {
    let sum = 0;
    for (let i = 0; i < samples; i++) sum += analogRead(pin);
    return ((sum / samples - at0) / (at90 - at0)) * 90;
  };
}

/** Whole degrees, 0..90, of a fractional reading. */
export function wholeDegrees(a: number): number {
  const d = Math.round(a);
  return d < 0 ? 0 : d > 90 ? 90 : d;
}
