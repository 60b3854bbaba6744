// A recorded measurement, not something the bench runs: the valve bundle's JsVars on Espruino
// 2v29's ESP32-sized Linux build (16,383 JsVars of 14 bytes), taken 2026-11-29 by running
// print("START "+process.memory().usage) + firmware/dist/valve.js + process.memory() prints at
// 1.5 s (no clients yet) and 7 s, with /work/espruino-build/espruino-run esp32, Storage
// provisioned with { device_id: 'valve-linux', passkey: 'linux-passkey', port: 18080 }, and a
// Node client script that waits 2.5 s, then opens two clients and sends what valveMemory does
// (one right and one wrong passkey, then both right, an out-of-range angle, a broken message).
// The Linux build has no ADC, INA219 or WiFi, so the firmware ran with "Current sensor fault".
// The runner keeps the script text as a string (a board runs from flash): START less the empty
// program's 42 JsVars is that text, taken off the other readings.

export const INTERPRETER_MEASUREMENT = {
  date: '2026-11-29',
  interpreter: "Espruino 2v29, ESP32-sized Linux build",
  /** sha256 of the firmware/dist/valve.js measured. */
  bundleSha256: '1ff8df241ad8290b970b46be215646462e049e51a7f210dd292444e2dabace4b',
  /** process.memory().usage as printed: at script start, 1.5 s after boot, with two clients. */
  raw: { start: 2223, boot: 3285, twoClients: 4951 },
  /** JsVars of script text the runner holds (START less the empty program's 42). */
  scriptText: 2223 - 42,
};

/** The readings less the script text: what the firmware itself holds, comparable to the simulator's estimate. */
export const measuredJsVars = {
  boot: INTERPRETER_MEASUREMENT.raw.boot - INTERPRETER_MEASUREMENT.scriptText,
  twoClients: INTERPRETER_MEASUREMENT.raw.twoClients - INTERPRETER_MEASUREMENT.scriptText,
};
