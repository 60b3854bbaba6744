// A firmware-style test bundle (not the charger firmware): drives the charger hardware
// through the Espruino API the firmware uses — PN532 frames over I2C, INA226 metering,
// relay, STOP and emergency buttons with setWatch, Storage, Wifi and an http status page.
var cfg = require('Storage').readJSON('espfleet.json', true) || {};
var PN = 0x24, INA = 0x40;
var st = { card: null, cards: 0, relay: false, amps: 0, volts: 0, watts: 0, wh: 0, emergency: false,
  fw: '', sam: false, inaOk: false, nfcErrors: 0, lastError: '', ip: '' };

I2C1.setup({ scl: D22, sda: D21, bitrate: 400000 });
pinMode(D14, 'input_pullup');
pinMode(D12, 'input_pullup');
digitalWrite(D27, 0);

function frame(data) {
  var len = data.length + 1, sum = 0xD4, out = [0, 0, 0xFF, len, (256 - len) & 255, 0xD4];
  for (var i = 0; i < data.length; i++) { out.push(data[i]); sum += data[i]; }
  out.push((256 - (sum & 255)) & 255);
  out.push(0);
  return out;
}

// b starts with the I2C status byte; returns the frame's data (TFI first) or why not.
function parse(b) {
  var i = 1;
  while (i < b.length - 2 && !(b[i] === 0 && b[i + 1] === 0xFF)) i++;
  i += 2;
  var len = b[i], lcs = b[i + 1];
  if (((len + lcs) & 255) !== 0) return { err: 'bad length checksum' };
  var sum = 0, d = [];
  for (var k = 0; k < len; k++) { sum += b[i + 2 + k]; d.push(b[i + 2 + k]); }
  if (((sum + b[i + 2 + len]) & 255) !== 0) return { err: 'bad data checksum' };
  return { data: d };
}

function command(data, cb) {
  try { I2C1.writeTo(PN, frame(data)); } catch (e) { return cb(e.message); }
  var tries = 0;
  function waitAck() {
    var a;
    try { a = I2C1.readFrom(PN, 7); } catch (e) { return cb(e.message); }
    if (a[0] !== 1) { if (++tries > 50) return cb('no ACK'); return setTimeout(waitAck, 2); }
    tries = 0;
    setTimeout(waitResponse, 5);
  }
  function waitResponse() {
    var r;
    try { r = I2C1.readFrom(PN, 32); } catch (e) { return cb(e.message); }
    if (r[0] !== 1) { if (++tries > 60) return cb('timeout'); return setTimeout(waitResponse, 50); }
    var f = parse(r);
    if (f.err) return cb(f.err);
    cb(null, f.data);
  }
  setTimeout(waitAck, 2);
}

function hex(b) { return (b < 16 ? '0' : '') + b.toString(16).toUpperCase(); }

function scan() {
  command([0x4A, 0x01, 0x00], function (err, d) {
    if (err) {
      if (err === 'timeout') st.card = null; else { st.nfcErrors++; st.lastError = err; }
      return setTimeout(scan, 100);
    }
    if (d[2] >= 1) {
      var n = d[7], uid = '';
      for (var i = 0; i < n; i++) uid += hex(d[8 + i]);
      if (uid !== st.card) { st.card = uid; st.cards++; onCard(uid); }
    }
    setTimeout(scan, 300);
  });
}

function relay(on) { st.relay = on; digitalWrite(D27, on ? 1 : 0); }
function onCard(uid) { if (!st.emergency && !st.relay) relay(true); }

setWatch(function () { relay(false); }, D14, { repeat: true, edge: 'falling', debounce: 30 });
setWatch(function (e) {
  st.emergency = !e.state;
  if (st.emergency) relay(false);
}, D12, { repeat: true, edge: 'both', debounce: 30 });

function inaWrite(reg, v) { I2C1.writeTo(INA, [reg, (v >> 8) & 255, v & 255]); }
function inaRead(reg) {
  I2C1.writeTo(INA, reg);
  var d = I2C1.readFrom(INA, 2);
  var v = (d[0] << 8) | d[1];
  return v > 32767 ? v - 65536 : v;
}
try { inaWrite(0x05, 2560); st.inaOk = inaRead(0xFE) === 0x5449; } catch (e) { st.lastError = e.message; }
var lastMeter = getTime();
setInterval(function () {
  try {
    st.amps = inaRead(0x04) * 0.001;
    st.volts = (inaRead(0x02) & 0xFFFF) * 0.00125 * 10;
    st.watts = st.amps * st.volts;
    st.inaOk = true;
  } catch (e) { st.inaOk = false; st.lastError = e.message; }
  var now = getTime();
  st.wh += st.watts * (now - lastMeter) / 3600;
  lastMeter = now;
}, 1000);

command([0x02], function (err, d) {
  if (!err) st.fw = 'PN5' + hex(d[2]) + ' v' + d[3] + '.' + d[4];
  command([0x14, 0x01, 0x14, 0x01], function (err2) {
    st.sam = !err2;
    scan();
  });
});

var wifi = require('Wifi');
if (cfg.wifi) wifi.connect(cfg.wifi.ssid, { password: cfg.wifi.password }, function (err) {
  if (err) { st.lastError = 'WiFi: ' + err; return; }
  st.ip = wifi.getIP().ip;
  require('http').createServer(function (req, res) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(st));
  }).listen(80);
});
