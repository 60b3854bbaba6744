// The pages speak one language at a time: the seed's Spanish, or English with the switch in the
// header. The choice is kept in localStorage and applied by reloading the page, so no text is
// ever left over in the other language. Every text is here, Spanish and English side by side.

const STORAGE_KEY = 'espfleet.lang';

/** key → [Spanish, English]; `{name}` is filled in by t(). */
const TEXT = {
  // Shared
  'lang.switch': ['English', 'Español'],
  'lang.switchLabel': ['Ver en inglés', 'View in Spanish'],
  'conn.connecting': ['conectando…', 'connecting…'],
  'conn.open': ['conectado', 'connected'],
  'conn.live': ['en vivo', 'live'],
  'conn.retrying': ['reconectando en {s} s', 'reconnecting in {s} s'],
  'conn.closedTitle': ['Conexión cerrada: {why}', 'Connection closed: {why}'],
  'conn.closed': ['desconectado', 'disconnected'],
  'close.code': ['código {code}', 'code {code}'],
  'error.invalidFromServer': ['Mensaje no válido del servidor{path}', 'Invalid message from the server{path}'],
  'error.load': ['No se pudieron cargar los datos (HTTP {status})', 'The data could not be loaded (HTTP {status})'],
  'error.accessDenied': ['Acceso denegado. Abra el panel con ?token=<JWT> en la dirección.', 'Access denied. Open the dashboard with ?token=<JWT> in the address.'],

  // Dashboard
  'dash.title': ['espfleet — Panel de estaciones y sensores', 'espfleet — Stations and sensors'],
  'dash.subtitle': ['Estaciones de carga, válvulas y sensores en vivo', 'Charging stations, valves and live sensors'],
  'dash.tools': ['Herramientas', 'Tools'],
  'dash.testLink': ['Prueba de WebSocket', 'WebSocket test'],
  'dash.stations': ['Estaciones de carga', 'Charging stations'],
  'dash.loadingStations': ['Cargando estaciones…', 'Loading stations…'],
  'dash.noStations': ['No hay estaciones registradas.', 'No stations registered.'],
  'dash.sensors': ['Sensores', 'Sensors'],
  'dash.loadingDevices': ['Cargando dispositivos…', 'Loading devices…'],
  'dash.noDevices': ['No hay dispositivos registrados.', 'No devices registered.'],
  'dash.devicesFailed': ['No se pudieron cargar los dispositivos (HTTP {status})', 'The devices could not be loaded (HTTP {status})'],
  'dash.footerLive': ['Datos en vivo por WebSocket', 'Live data over WebSocket'],
  'dash.footerCodecs': ['mensajes validados con los códecs de', 'messages checked with the codecs of'],
  'station.stop': ['Detener carga', 'Stop charging'],
  'station.historyOf': ['Historial de {name}', 'History of {name}'],
  'station.history': ['Historial', 'History'],
  'station.volts': ['Voltaje', 'Voltage'],
  'station.amps': ['Corriente', 'Current'],
  'station.watts': ['Potencia', 'Power'],
  'station.kwh': ['Energía', 'Energy'],
  'station.cost': ['Costo', 'Cost'],
  'station.time': ['Tiempo', 'Time'],
  'station.statusLabel': ['Estado: ', 'Status: '],
  'station.userLabel': ['Usuario: ', 'User: '],
  'station.tariff': ['Tarifa: {price} / kWh', 'Tariff: {price} / kWh'],
  'station.user': ['usuario {id}', 'user {id}'],
  'station.stopNotSent': ['Sin conexión con el servidor: no se pudo enviar la orden de parada', 'No connection to the server: the stop command was not sent'],
  'station.emergencyBanner': [
    '⚠ Paro de emergencia a las {time}{session}. La estación debe reiniciarse antes de volver a cargar.',
    '⚠ Emergency stop at {time}{session}. The station must be reset before it charges again.',
  ],
  'station.emergencySession': [' (sesión #{id})', ' (session #{id})'],
  'history.emergency': ['⚠ {time} — Paro de emergencia{session}', '⚠ {time} — Emergency stop{session}'],
  'history.emergencySession': [' en la sesión #{id}', ' in session #{id}'],
  'history.started': ['▶ {time} — Inicio de la sesión #{id}: {user}', '▶ {time} — Session #{id} started: {user}'],
  'history.ended': ['■ {time} — Fin de la sesión #{id}: {kwh} kWh · {cost} · {duration}', '■ {time} — Session #{id} ended: {kwh} kWh · {cost} · {duration}'],
  'history.running': ['● {time} — Sesión #{id} ({user}) en curso', '● {time} — Session #{id} ({user}) running'],
  'history.past': ['● {time} — Sesión #{id} ({user}): {kwh} kWh · {cost} · {duration}{reason}', '● {time} — Session #{id} ({user}): {kwh} kWh · {cost} · {duration}{reason}'],
  'history.loadFailed': ['No se pudo cargar el historial (HTTP {status})', 'The history could not be loaded (HTTP {status})'],
  'end.stop-charger': ['STOP en el cargador', 'STOP on the charger'],
  'end.stop-dashboard': ['detenida desde el panel', 'stopped from the dashboard'],
  'end.emergency': ['paro de emergencia', 'emergency stop'],
  'end.timeout': ['cargador sin respuesta', 'charger not responding'],
  'dash.valves': ['Válvulas', 'Valves'],
  'dash.loadingValves': ['Cargando válvulas…', 'Loading valves…'],
  'dash.noValves': ['No hay válvulas registradas.', 'No valves registered.'],
  'dash.valvesFailed': ['No se pudieron cargar las válvulas (HTTP {status})', 'The valves could not be loaded (HTTP {status})'],
  'valve.angle': ['Ángulo de la válvula', 'Valve angle'],
  'valve.noAngle': ['sin lectura aún', 'no reading yet'],
  'valve.position.open': ['abierta', 'open'],
  'valve.position.closed': ['cerrada', 'closed'],
  'valve.position.partial': ['abierta al {pct} %', '{pct} % open'],
  'valve.limits': ['Finales de carrera', 'Limit switches'],
  'valve.limit.open': ['abierta', 'open'],
  'valve.limit.close': ['cerrada', 'closed'],
  'valve.limit.on': ['activado', 'engaged'],
  'valve.limit.off': ['libre', 'released'],
  'valve.motion': ['Movimiento', 'Motion'],
  'valve.motion.idle': ['en reposo', 'at rest'],
  'valve.motion.opening': ['abriendo hacia {target}', 'opening to {target}'],
  'valve.motion.closing': ['cerrando hacia {target}', 'closing to {target}'],
  'valve.mode': ['Modo', 'Mode'],
  'valve.mode.manual': ['manual', 'manual'],
  'valve.mode.schedule': ['horario', 'schedule'],
  'valve.mode.sensor': ['sensor', 'sensor'],
  'valve.fault': ['⚠ Falla: {fault}', '⚠ Fault: {fault}'],
  'valve.open': ['Abrir', 'Open'],
  'valve.close': ['Cerrar', 'Close'],
  'valve.stop': ['Detener', 'Stop'],
  'valve.manual': ['Pasar a manual', 'Switch to manual'],
  'valve.manualDone': ['En modo manual: programación y sensor apagados', 'Manual mode: schedule and sensor control off'],
  'valve.moveTo': ['Mover a', 'Move to'],
  'valve.move': ['Mover', 'Move'],
  'valve.moving': ['Moviendo a {target}… ahora en {now}', 'Moving to {target}… now at {now}'],
  'valve.stopping': ['Deteniendo… ahora en {now}', 'Stopping… now at {now}'],
  'valve.arrived': ['Listo: en {angle}', 'Done: at {angle}'],
  'valve.stoppedAt': ['Detenida en {angle}', 'Stopped at {angle}'],
  'valve.badAngle': ['Escriba un ángulo de 0 a 90°', 'Type an angle from 0 to 90°'],
  'valve.error.offline': ['La válvula está fuera de línea: no se pudo completar la orden', 'The valve is offline: the command could not be carried out'],
  'valve.error.timeout': ['La válvula no llegó a tiempo (está en {angle})', 'The valve did not get there in time (it is at {angle})'],
  'valve.error.fault': ['La válvula reportó una falla: {fault}', 'The valve reported a fault: {fault}'],
  'valve.error.notDone': ['La válvula no completó la orden (está en {angle})', 'The valve did not carry out the command (it is at {angle})'],
  'valve.error.notFound': ['Esta válvula ya no está registrada', 'This valve is no longer registered'],
  'valve.error.denied': ['Acceso denegado: este panel no puede mover válvulas', 'Access denied: this dashboard may not move valves'],
  'valve.error.network': ['Sin conexión con el servidor: la orden no se envió', 'No connection to the server: the command was not sent'],
  'device.named': ['Dispositivo {id}', 'Device {id}'],
  'device.noSensors': ['Sin sensores.', 'No sensors.'],
  'device.unknownStatus': ['desconocido', 'unknown'],
  'sensor.chartTitle': ['Últimos valores de {name}', 'Latest values of {name}'],

  // Station and device statuses: the wire keeps the seed's words; only what is shown changes.
  'status.disponible': ['disponible', 'available'],
  'status.cargando': ['cargando', 'charging'],
  'status.emergencia': ['emergencia', 'emergency'],
  'status.desconectado': ['desconectado', 'disconnected'],
  'status.online': ['en línea', 'online'],
  'status.offline': ['fuera de línea', 'offline'],
  'status.active': ['activo', 'active'],
  'status.inactive': ['inactivo', 'inactive'],
  'kind.charger': ['cargador', 'charger'],
  'kind.valve': ['válvula', 'valve'],
  'kind.sensor-node': ['nodo de sensores', 'sensor node'],

  // Sensor types as people name them.
  'sensor.angle': ['Ángulo', 'Angle'],
  'sensor.motor_current': ['Corriente del motor', 'Motor current'],
  'sensor.power': ['Potencia', 'Power'],
  'sensor.voltage': ['Voltaje', 'Voltage'],
  'sensor.current': ['Corriente', 'Current'],
  'sensor.energy': ['Energía', 'Energy'],
  'sensor.temperature': ['Temperatura', 'Temperature'],
  'sensor.humidity': ['Humedad', 'Humidity'],
  'sensor.pressure': ['Presión', 'Pressure'],
  'sensor.flow': ['Caudal', 'Flow'],
  'sensor.ph': ['pH', 'pH'],

  // Errors the endpoints send, by code: the charger endpoint speaks Spanish, the sensor streams
  // English, so each is shown in the page's language from its code.
  'code.INVALID_MESSAGE': ['Mensaje no válido', 'Invalid message'],
  'code.INTERNAL_ERROR': ['Error interno del servidor', 'Internal server error'],
  'code.UNKNOWN_SESSION': ['La sesión no está en curso en esta estación', 'The session is not running at this station'],
  'code.QUEUE_FULL': ['El servidor está saturado: mensaje descartado', 'The server is overloaded: message dropped'],
  'code.NOT_CONNECTED': ['ESP32 no conectado', 'ESP32 not connected'],
  'code.SENSOR_NOT_FOUND': ['Sensor no encontrado', 'Sensor not found'],
  'code.STORAGE_ERROR': ['No se pudo guardar la lectura', 'The reading could not be stored'],
  'code.UNAUTHORIZED': ['No autorizado', 'Not authorised'],
  'code.other': ['Error del servidor ({code})', 'Server error ({code})'],

  // A valve's faults as its firmware names them.
  'fault.Overcurrent detected': ['sobrecorriente en el motor', 'overcurrent in the motor'],
  'fault.Motor stalled': ['motor atascado', 'motor stalled'],
  'fault.Limit switch fault': ['falla de un final de carrera', 'limit switch fault'],
  'fault.Current sensor fault': ['falla del sensor de corriente', 'current sensor fault'],
  'fault.Max run time exceeded': ['tiempo máximo de marcha superado', 'maximum run time exceeded'],

  // WebSocket test page
  'wst.title': ['espfleet — Prueba de WebSocket', 'espfleet — WebSocket test'],
  'wst.heading': ['Prueba de WebSocket', 'WebSocket test'],
  'wst.subtitle': [
    'Conéctese a un stream, envíe mensajes y vea lo que llega, validado con los códecs del protocolo',
    'Connect to a stream, send messages and see what arrives, checked with the protocol codecs',
  ],
  'wst.nav': ['Navegación', 'Navigation'],
  'wst.dashboard': ['Panel', 'Dashboard'],
  'wst.connection': ['Conexión', 'Connection'],
  'wst.preset': ['Stream predefinido', 'Preset stream'],
  'wst.choose': ['— elegir —', '— choose —'],
  'wst.presetAll': ['/ws/sensor-data/ — todos los sensores', '/ws/sensor-data/ — every sensor'],
  'wst.presetDevice': ['/ws/device/{id}/ — un dispositivo', '/ws/device/{id}/ — one device'],
  'wst.presetSensor': ['/ws/sensor/{id}/ — un sensor', '/ws/sensor/{id}/ — one sensor'],
  'wst.presetClient': ['/ws?role=client&estacionId=1 — panel de estación', '/ws?role=client&estacionId=1 — station dashboard'],
  'wst.presetPublisher': ['/ws?role=publisher&estacionId=1 — cargador (ESP32)', '/ws?role=publisher&estacionId=1 — charger (ESP32)'],
  'wst.url': ['URL del stream', 'Stream URL'],
  'wst.urlHelpPath': ['Una ruta de este servidor', 'A path on this server'],
  'wst.urlHelpFull': ['o una URL completa', 'or a full URL'],
  'wst.decoder': ['Validar con', 'Check with'],
  'wst.decoderAuto': ['automático según la URL', 'automatic, from the URL'],
  'wst.decoderSensor': ['stream de sensores (decodeSensorServerMessage)', 'sensor stream (decodeSensorServerMessage)'],
  'wst.decoderClient': ['panel de estación (decodeDashboardMessage)', 'station dashboard (decodeDashboardMessage)'],
  'wst.decoderPublisher': ['cargador (decodeChargerCommandMessage)', 'charger (decodeChargerCommandMessage)'],
  'wst.decoderNone': ['sin validar', 'no check'],
  'wst.connect': ['Conectar', 'Connect'],
  'wst.disconnect': ['Desconectar', 'Disconnect'],
  'wst.send': ['Enviar', 'Send'],
  'wst.examples': ['Ejemplos', 'Examples'],
  'wst.message': ['Mensaje (JSON)', 'Message (JSON)'],
  'wst.sendHelp': [
    'Un mensaje válido se envía tal como lo escribe su códec; uno inválido se envía tal cual, para probar las respuestas de error del servidor.',
    'A valid message is sent as its codec writes it; an invalid one exactly as typed, to try the server\'s error answers.',
  ],
  'wst.log': ['Registro', 'Log'],
  'wst.clear': ['Limpiar', 'Clear'],
  'wst.profile.sensor': ['stream de sensores', 'sensor stream'],
  'wst.profile.client': ['panel de estación', 'station dashboard'],
  'wst.profile.publisher': ['cargador (publisher)', 'charger (publisher)'],
  'wst.close.1000': ['cierre normal', 'normal closure'],
  'wst.close.1001': ['el servidor se va', 'the server is going away'],
  'wst.close.1006': ['cierre anormal (sin trama de cierre)', 'abnormal closure (no close frame)'],
  'wst.close.1008': ['violación de política', 'policy violation'],
  'wst.close.1009': ['mensaje demasiado grande', 'message too big'],
  'wst.close.1011': ['error interno del servidor', 'internal server error'],
  'wst.example.now': ['sensor_data (ahora)', 'sensor_data (now)'],
  'wst.example.stopClient': ['stop (panel)', 'stop (dashboard)'],
  'wst.example.stopPublisher': ['stop (cargador)', 'stop (charger)'],
  'wst.example.invalid': ['inválido', 'invalid'],
  'wst.example.invalidTitle': ['Mensaje inválido de ejemplo', 'An invalid message'],
  'wst.example.for': ['Ejemplo para {profile}', 'Example for {profile}'],
  'wst.badScheme': ['esquema no admitido: {scheme}', 'scheme not supported: {scheme}'],
  'wst.decodesWith': ['Mensajes recibidos: {decoder} ({profile}).', 'Messages received: {decoder} ({profile}).'],
  'wst.noDecoder': ['Sin decodificador: los mensajes se muestran sin validar.', 'No decoder: messages are shown unchecked.'],
  'wst.in': ['⬇ recibido', '⬇ received'],
  'wst.out': ['⬆ enviado', '⬆ sent'],
  'wst.event': ['● evento', '● event'],
  'wst.unchecked': ['sin validar', 'unchecked'],
  'wst.valid': ['válido', 'valid'],
  'wst.invalid': ['inválido: {path}', 'invalid: {path}'],
  'wst.badUrl': ['URL no válida: {why}', 'Invalid URL: {why}'],
  'wst.connectingTo': ['Conectando a {url}{check}', 'Connecting to {url}{check}'],
  'wst.checkingWith': [' — validando con {decoder}', ' — checking with {decoder}'],
  'wst.opened': ['Conexión abierta', 'Connection open'],
  'wst.binary': ['(mensaje binario)', '(binary message)'],
  'wst.wsError': ['Error de WebSocket (ver el cierre a continuación)', 'WebSocket error (see the close below)'],
  'wst.closedState': ['cerrado (código {code})', 'closed (code {code})'],
  'wst.closedLog': ['Conexión cerrada: código {code}{reason}{unclean}', 'Connection closed: code {code}{reason}{unclean}'],
  'wst.unclean': [' (cierre no limpio)', ' (not a clean close)'],
  'wst.byePage': ['cerrado desde la página de prueba', 'closed from the test page'],
  'wst.notOpen': ['No hay conexión abierta.', 'No connection is open.'],
  'wst.empty': ['El mensaje está vacío.', 'The message is empty.'],
};

function stored() {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'es';
  } catch {
    return 'es';
  }
}

/** The page's language: 'es' (the seed's, the default) or 'en'. */
export const lang = stored();
/** For dates and numbers. */
export const locale = lang;

/** The text for `key` in the page's language, with `{name}` filled in from `vars`. */
export function t(key, vars = {}) {
  const pair = TEXT[key];
  if (!pair) throw new Error(`i18n: no text "${key}"`);
  return pair[lang === 'en' ? 1 : 0].replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

function known(key) {
  return Object.prototype.hasOwnProperty.call(TEXT, key);
}

/** A sensor type as people name it: `motor_current` → "Motor current" (or its translation). */
export function sensorLabel(type) {
  if (known(`sensor.${type}`)) return t(`sensor.${type}`);
  const words = String(type || '').replace(/[_-]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : '—';
}

/** A status or device kind as shown; the wire value when it has no translation. */
export function statusLabel(status) {
  return known(`status.${status}`) ? t(`status.${status}`) : status;
}
export function kindLabel(kind) {
  return known(`kind.${kind}`) ? t(`kind.${kind}`) : kind;
}

/** A code-carrying error from an endpoint, in the page's language. */
export function errorText(code, message) {
  if (code && known(`code.${code}`)) return t(`code.${code}`);
  if (code) return t('code.other', { code });
  return message;
}

/** A valve's fault (its firmware's words) in the page's language; as sent when it has no translation. */
export function faultLabel(fault) {
  return known(`fault.${fault}`) ? t(`fault.${fault}`) : fault;
}

/**
 * Fills the static page: `data-i18n="key"` sets an element's text, `data-i18n-attr="attr:key …"`
 * its attributes; the document's lang follows. Spanish is already written in the HTML.
 */
export function translatePage(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(/\s+/)) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
}

/** The header's language switch: stores the other language and reloads the page in it. */
export function languageSwitch(h) {
  return h('button', {
    type: 'button',
    class: 'btn btn-secondary btn-small lang-switch',
    'data-testid': 'lang-switch',
    lang: lang === 'en' ? 'es' : 'en',
    'aria-label': t('lang.switchLabel'),
    text: t('lang.switch'),
    onclick: () => {
      try {
        localStorage.setItem(STORAGE_KEY, lang === 'en' ? 'es' : 'en');
      } catch {
        return;
      }
      location.reload();
    },
  });
}
