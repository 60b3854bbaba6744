// How a valve's state reads for a person. Pure.
import type { ValveData } from '@espfleet/protocol/valve';

export function stateLine(d: ValveData): string {
  const v = d.get_valvedata;
  const l = d.get_limitdata;
  const c = d.get_controller;
  const pos = v.is_close ? 'closed' : v.angle >= 90 ? 'open' : 'partly open';
  const motion = d.motion && d.motion !== 'idle' ? `, ${d.motion}${d.target_angle === undefined ? '' : ` to ${d.target_angle}°`}` : '';
  const mode = c.schedule ? 'schedule' : c.sensor ? 'sensor' : 'manual';
  const sw = (installed: boolean, engaged: boolean) => (installed ? (engaged ? 'engaged' : 'free') : 'none');
  const extra = [d.uptime === undefined ? '' : `up ${d.uptime} s`, d.rssi === undefined ? '' : `WiFi ${d.rssi} dBm`].filter(Boolean).join(', ');
  return `${d.device_id}: ${v.angle}° ${pos}${motion}; ${mode} control; limits open ${sw(l.is_open_limit, l.open_limit)}, close ${sw(l.is_close_limit, l.close_limit)}; ${d.Error}${extra ? `; ${extra}` : ''} (${d.timestamp})`;
}

/** `[██████░░░░░░░░░░░░░░]  27° → 90°`: the angle across the valve's travel. */
export function progressBar(angle: number, target: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.round((angle / 90) * width)));
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(angle).padStart(3)}° → ${target}°`;
}

/** The fields of a valve_data as one --json document. */
export function stateDoc(type: string, d: ValveData): Record<string, unknown> {
  return {
    type,
    device_id: d.device_id,
    timestamp: d.timestamp,
    angle: d.get_valvedata.angle,
    is_open: d.get_valvedata.is_open,
    is_close: d.get_valvedata.is_close,
    motion: d.motion ?? null,
    target_angle: d.target_angle ?? null,
    schedule: d.get_controller.schedule,
    sensor: d.get_controller.sensor,
    limits: d.get_limitdata,
    error: d.Error,
    uptime: d.uptime ?? null,
    rssi: d.rssi ?? null,
  };
}
