// WiFi for the valve: station mode from the config (rejoining after a loss, the clock from
// SNTP), an access point to provision when there are no credentials, and nothing at all on an
// Espruino build without the Wifi module (the Linux build, where the host's network is up).
import type { ValveSettings } from './types.js';

const RETRY_MS = 10000;
const RSSI_MS = 10000;
const SNTP_SERVER = 'pool.ntp.org';

/** Starts WiFi; `signal` gets the station's RSSI every RSSI_MS (undefined without a link). */
export function startNetwork(s: ValveSettings, signal: (rssi: number | undefined) => void): void {
  let wifi: WifiModule;
  try {
    wifi = require('Wifi');
  } catch (e) {
    console.log('no Wifi module: serving');
    return;
  }
  if (!s.wifiSsid) {
    const opts = s.apPassword ? { password: s.apPassword, authMode: 'wpa2' } : null;
    wifi.startAP(s.apSsid, opts, (err) => {
      if (err) console.log('AP: ' + err);
    });
    return;
  }
  const join = () => wifi.connect(s.wifiSsid, { password: s.wifiPassword }, (err) => {
    if (err) console.log('WiFi: ' + err);
  });
  const measure = () => {
    const st = wifi.getStatus();
    signal(st.station === 'connected' && typeof st.rssi === 'number' ? st.rssi : undefined);
  };
  wifi.on('connected', () => {
    wifi.setSNTP(SNTP_SERVER, 'UTC0');
    measure();
  });
  wifi.on('disconnected', () => {
    measure();
    setTimeout(join, RETRY_MS);
  });
  setInterval(measure, RSSI_MS);
  join();
}
