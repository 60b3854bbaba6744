// NXP PN532 NFC controller over its I2C host interface (UM0701-02), Espruino-module style:
// frames with LEN/LCS and DCS checksums, the status byte polled for readiness, the ACK checked
// after every command, SAMConfiguration, and InListPassiveTarget for 106 kbps type A cards.
// Section numbers refer to UM0701-02.

/** What the driver needs from an I2C bus (Espruino's I2C1 has these). */
export interface I2CPort {
  writeTo(address: number, data: number[]): void;
  readFrom(address: number, quantity: number): Uint8Array;
}

export const PN532_ADDRESS = 0x24;
const TFI_HOST = 0xd4;
const TFI_PN532 = 0xd5;
const TFI_ERROR = 0x7f;
/** §6.2.1.3: the host's ACK, also used to abort a command in progress (§6.2.2). */
const ACK = [0x00, 0x00, 0xff, 0x00, 0xff, 0x00];
/** Largest response read at once: status byte + a 7-byte-UID InListPassiveTarget answer (22) with room. */
const READ_BYTES = 32;
const POLL_MS = 4;
const ACK_TIMEOUT_MS = 40;

/** Normal information frame (§6.2.1.1) from the host: preamble, start code, LEN, LCS, TFI D4, data, DCS, postamble. */
export function pn532Frame(data: number[]): number[] {
  const len = data.length + 1;
  const out = [0x00, 0x00, 0xff, len, (0x100 - len) & 0xff, TFI_HOST];
  let sum = TFI_HOST;
  for (let i = 0; i < data.length; i++) {
    out.push(data[i] & 0xff);
    sum += data[i];
  }
  out.push((0x100 - (sum & 0xff)) & 0xff);
  out.push(0x00);
  return out;
}

export interface Pn532Reply {
  /** ack/nack (§6.2.1.3–4), info (TFI D5), error (the syntax error frame, §6.2.1.5), bad (unreadable). */
  kind: 'ack' | 'nack' | 'info' | 'error' | 'bad';
  /** PD0…PDn after TFI D5 (the response code first); empty otherwise. */
  data: number[];
  /** Why a frame is bad. */
  why: string;
}

function reply(kind: Pn532Reply['kind'], data: number[], why: string): Pn532Reply {
  return { kind: kind, data: data, why: why };
}

/** Parses the frame in `b` from `start` (after the I2C status byte); leading 0x00 preamble bytes are skipped (§6.2.1.6). */
export function pn532Parse(b: ArrayLike<number>, start: number): Pn532Reply {
  let i = start;
  while (i < b.length && b[i] === 0x00) i++;
  if (i === start || i + 2 >= b.length || b[i] !== 0xff) return reply('bad', [], 'no start code');
  const len = b[i + 1];
  const lcs = b[i + 2];
  if (len === 0x00 && lcs === 0xff) return reply('ack', [], '');
  if (len === 0xff && lcs === 0x00) return reply('nack', [], '');
  if (((len + lcs) & 0xff) !== 0) return reply('bad', [], 'bad length checksum');
  const at = i + 3;
  if (len < 1 || at + len >= b.length) return reply('bad', [], 'truncated frame');
  let sum = 0;
  for (let k = 0; k <= len; k++) sum += b[at + k]; // TFI, PD0…PDn, DCS
  if ((sum & 0xff) !== 0) return reply('bad', [], 'bad data checksum');
  const tfi = b[at];
  if (tfi === TFI_ERROR) return reply('error', [], 'PN532 reported an error frame');
  if (tfi !== TFI_PN532) return reply('bad', [], 'unexpected TFI');
  const data: number[] = [];
  for (let k = 1; k < len; k++) data.push(b[at + k]);
  return reply('info', data, '');
}

/** A UID as uppercase hex, two digits per byte. */
export function uidHex(uid: number[]): string {
  const digits = '0123456789ABCDEF';
  let s = '';
  for (let i = 0; i < uid.length; i++) s += digits.charAt((uid[i] >> 4) & 15) + digits.charAt(uid[i] & 15);
  return s;
}

/** InListPassiveTarget's answer (§7.3.5, 106 kbps type A): the first target's UID, null when none was found. */
export function passiveTargetUid(pd: number[]): number[] | null {
  if (pd[0] !== 0x4b) throw new Error('not an InListPassiveTarget response');
  if (pd[1] === 0) return null;
  // Tg, SENS_RES (2), SEL_RES, NFCIDLength, NFCID1…
  const n = pd[6];
  if ((n !== 4 && n !== 7 && n !== 10) || pd.length < 7 + n) throw new Error('bad target data');
  return pd.slice(7, 7 + n);
}

export type Pn532Callback = (err: string | null, pd: number[]) => void;

export interface PN532 {
  /** Sends a command (its code first), checks the ACK, then waits up to `timeoutMs` for the response's PD bytes. */
  command(data: number[], timeoutMs: number, cb: Pn532Callback): void;
  /** GetFirmwareVersion, SAMConfiguration (normal mode, no virtual card timeout, IRQ on), then a bounded
   *  passive activation retry count so InListPassiveTarget answers "no target" instead of waiting forever. */
  init(cb: (err: string | null, version: string) => void): void;
  /** One InListPassiveTarget for a single 106 kbps type A target: the UID, or null with no card in the field. */
  readPassiveTarget(cb: (err: string | null, uid: number[] | null) => void): void;
}

/** Espruino-module entry point: `require('pn532').connect(I2C1)`. (A closure, not a class: its
 *  state then minifies to one-letter names.) */
export function connect(i2c: I2CPort, address?: number): PN532 {
  const addr = address === undefined ? PN532_ADDRESS : address;
  let busy = false;
  const notAnswering = (e: unknown) => 'PN532 not answering: ' + (e as Error).message;

  function command(data: number[], timeoutMs: number, cb: Pn532Callback): void {
    if (busy) return cb('PN532 busy', []);
    busy = true;
    const done = (err: string | null, pd: number[]) => {
      busy = false;
      cb(err, pd);
    };
    try {
      i2c.writeTo(addr, pn532Frame(data));
    } catch (e) {
      return done(notAnswering(e), []);
    }
    const expect = data[0] + 1;
    let waited = 0;
    const poll = (wantAck: boolean) => {
      let b: Uint8Array;
      try {
        b = i2c.readFrom(addr, wantAck ? 1 + ACK.length : 1);
        // §6.2.4: the status byte's bit 0 says a frame is ready; only then is the frame read.
        if (!wantAck && (b[0] & 1) === 1) b = i2c.readFrom(addr, READ_BYTES);
      } catch (e) {
        return done(notAnswering(e), []);
      }
      if ((b[0] & 1) === 0) {
        waited += POLL_MS;
        if (waited > (wantAck ? ACK_TIMEOUT_MS : timeoutMs)) {
          // §6.2.2: an ACK from the host aborts the command in progress.
          try {
            i2c.writeTo(addr, ACK);
          } catch (e) {
            return done(notAnswering(e), []);
          }
          return done(wantAck ? 'no ACK from PN532' : 'PN532 timeout', []);
        }
        setTimeout(() => poll(wantAck), POLL_MS);
        return;
      }
      const r = pn532Parse(b, 1);
      if (wantAck) {
        if (r.kind !== 'ack') return done('expected ACK, got ' + (r.kind === 'bad' ? r.why : r.kind), []);
        waited = 0;
        setTimeout(() => poll(false), POLL_MS);
        return;
      }
      if (r.kind === 'bad') return done(r.why, []);
      if (r.kind !== 'info') return done('PN532 answered with ' + r.kind, []);
      if (r.data[0] !== expect) return done('unexpected response code', []);
      done(null, r.data);
    };
    setTimeout(() => poll(true), POLL_MS);
  }

  return {
    command,
    init: (cb) =>
      command([0x02], 50, (err, pd) => {
        if (err) return cb(err, '');
        if (pd[1] !== 0x32) return cb('not a PN532 (IC ' + pd[1] + ')', '');
        const version = 'PN532 v' + pd[2] + '.' + pd[3];
        command([0x14, 0x01, 0x14, 0x01], 50, (err2) => {
          if (err2) return cb(err2, '');
          // RFConfiguration item 5 (MaxRetries): MxRtyATR, MxRtyPSL, MxRtyPassiveActivation.
          command([0x32, 0x05, 0xff, 0x01, 0x02], 50, (err3) => cb(err3, version));
        });
      }),
    readPassiveTarget: (cb) =>
      command([0x4a, 0x01, 0x00], 150, (err, pd) => {
        if (err) return cb(err, null);
        let uid: number[] | null;
        try {
          uid = passiveTargetUid(pd);
        } catch (e) {
          return cb((e as Error).message, null);
        }
        cb(null, uid);
      }),
  };
}
