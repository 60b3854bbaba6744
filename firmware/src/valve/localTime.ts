// Device local time as the wire wants it ("YYYY-MM-DD HH:MM:SS"): UTC shifted by the config's
// offset, since Espruino's Date has no time zones of its own.

/** Local wall-clock text for `utcMs` shifted by `offsetMin` minutes. */
export function formatLocalTime(utcMs: number, offsetMin: number): string {
  const iso = new Date(utcMs + offsetMin * 60000).toISOString();
  return iso.substr(0, 10) + ' ' + iso.substr(11, 8);
}

/** Minutes since local midnight, 0..1439. */
export function minuteOfDay(utcMs: number, offsetMin: number): number {
  const min = Math.floor(utcMs / 60000) + offsetMin;
  return ((min % 1440) + 1440) % 1440;
}

/** "HH:MM" (already validated by the codec) → minutes since midnight. */
export function parseHourMinute(text: string): number {
  return (text.charCodeAt(0) - 48) * 600 + (text.charCodeAt(1) - 48) * 60 + (text.charCodeAt(3) - 48) * 10 + (text.charCodeAt(4) - 48);
}
