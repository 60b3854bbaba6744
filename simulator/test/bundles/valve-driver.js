// A firmware-style test bundle (not the valve firmware): drives the valve hardware through
// the Espruino API the firmware uses — H-bridge PWM, ADC, limit switches with setWatch,
// INA219 over I2C, Storage, Wifi and an http status server on port 80.
var cfg = require('Storage').readJSON('espfleet.json', true) || {};
var INA = 0x40;
var state = { target: null, startedAt: 0, angle: 0, amps: 0, fault: 'No Error', limitOpen: false, limitClose: false, inaOk: true, moves: 0, ip: '' };

pinMode(D32, 'input_pullup');
pinMode(D33, 'input_pullup');
I2C1.setup({ scl: D22, sda: D21, bitrate: 400000 });

function inaWrite(reg, v) { I2C1.writeTo(INA, [reg, (v >> 8) & 255, v & 255]); }
function inaRead(reg) {
  I2C1.writeTo(INA, reg);
  var d = I2C1.readFrom(INA, 2);
  var v = (d[0] << 8) | d[1];
  return v > 32767 ? v - 65536 : v;
}
function inaSetup() {
  try { inaWrite(0x05, 4096); inaWrite(0x00, 0x399F); state.inaOk = true; }
  catch (e) { state.inaOk = false; state.fault = 'INA219: ' + e.message; }
}
inaSetup();

function readAngle() { return Math.round((analogRead(D34) - 0.05) / 0.9 * 90); }
function sense() {
  state.angle = readAngle();
  try { state.amps = inaRead(0x04) * 0.0001; state.inaOk = true; }
  catch (e) { state.inaOk = false; }
}

// Idle: one reading a second. Moving: a 50 Hz control loop.
var loop;
function halt() {
  digitalWrite(D25, 0);
  digitalWrite(D26, 0);
  state.target = null;
  if (loop) { clearInterval(loop); loop = undefined; }
}
function control() {
  sense();
  // A starting motor draws stall current until it turns: judge a stall only after 300 ms.
  if (state.amps > 2 && getTime() - state.startedAt > 0.3) { halt(); state.fault = 'Motor stalled'; return; }
  if (state.target === null) return;
  var err = state.target - state.angle;
  // End positions are reached on the limit switch, not on the potentiometer.
  var endStop = state.target <= 0 || state.target >= 90;
  if (!endStop && Math.abs(err) <= 1) { halt(); return; }
  var duty = endStop ? 1 : Math.min(1, Math.max(0.3, Math.abs(err) / 20));
  if (err > 0 || (endStop && state.target >= 90)) { analogWrite(D26, 0); analogWrite(D25, duty, { freq: 20000 }); }
  else { analogWrite(D25, 0); analogWrite(D26, duty, { freq: 20000 }); }
}
function move(target) {
  state.target = target;
  state.startedAt = getTime();
  state.fault = 'No Error';
  state.moves++;
  if (!loop) loop = setInterval(control, 20);
}

setWatch(function (e) {
  state.limitOpen = !e.state;
  if (!e.state && state.target !== null && state.target >= state.angle) halt();
}, D32, { repeat: true, edge: 'both', debounce: 10 });
setWatch(function (e) {
  state.limitClose = !e.state;
  if (!e.state && state.target !== null && state.target <= state.angle) halt();
}, D33, { repeat: true, edge: 'both', debounce: 10 });
setInterval(sense, 1000);

var wifi = require('Wifi');
wifi.on('connected', function () {
  state.ip = wifi.getIP().ip;
});
if (cfg.wifi) wifi.connect(cfg.wifi.ssid, { password: cfg.wifi.password }, function (err) {
  if (err) { state.fault = 'WiFi: ' + err; return; }
  require('http').createServer(function (req, res) {
    if (req.url.indexOf('/move?angle=') === 0) move(parseInt(req.url.substr(12), 10));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(state));
  }).listen(80);
});
