// NXP PN532 NFC controller behind its I2C host interface (UM0701-02 user manual), frame by frame.
// Section numbers below refer to that manual.
import type { I2CDevice } from '../../espruino/i2cBus.js';

export const PN532_I2C_ADDRESS = 0x24;
export const TFI_HOST = 0xd4;
export const TFI_PN532 = 0xd5;
export const TFI_ERROR = 0x7f;
export const ACK_FRAME = Uint8Array.of(0x00, 0x00, 0xff, 0x00, 0xff, 0x00);
export const NACK_FRAME = Uint8Array.of(0x00, 0x00, 0xff, 0xff, 0x00, 0x00);
export const ERROR_FRAME = Uint8Array.of(0x00, 0x00, 0xff, 0x01, 0xff, 0x7f, 0x81, 0x00);

export const PN532_CMD = {
  GetFirmwareVersion: 0x02,
  SAMConfiguration: 0x14,
  RFConfiguration: 0x32,
  InListPassiveTarget: 0x4a,
} as const;

/** Normal information frame (§6.2.1.1) around a data field = TFI followed by PD0…PDn. */
export function buildFrame(data: Uint8Array | number[]): Uint8Array {
  const len = data.length;
  if (len < 1 || len > 255) throw new RangeError(`PN532 frame data field must be 1..255 bytes, got ${len}`);
  const out = new Uint8Array(len + 7);
  out.set([0x00, 0x00, 0xff, len, (0x100 - len) & 0xff]);
  let sum = 0;
  for (let i = 0; i < len; i++) {
    out[5 + i] = data[i]!;
    sum += data[i]!;
  }
  out[5 + len] = (0x100 - (sum & 0xff)) & 0xff;
  out[6 + len] = 0x00;
  return out;
}

export type ParsedFrame =
  | {
      ok: true;
      /** ack/nack (§6.2.1.3–4), error = the syntax error frame (§6.2.1.5), info = normal information frame. */
      kind: 'info' | 'ack' | 'nack' | 'error';
      /** D4 host→PN532, D5 PN532→host, 7F error; null for ACK/NACK. */
      tfi: number | null;
      /** PD0…PDn (the command or response code first). */
      data: Uint8Array;
    }
  | { ok: false; reason: string };

/** Parse one frame; any number of leading 0x00 preamble bytes is allowed (§6.2.1.6). */
export function parseFrame(bytes: Uint8Array | number[]): ParsedFrame {
  const b = Uint8Array.from(bytes);
  let i = 0;
  while (i < b.length && b[i] === 0x00) i++;
  if (i === 0 || i >= b.length) return { ok: false, reason: 'no start code' };
  if (b[i] !== 0xff) return { ok: false, reason: 'no start code' };
  if (b.length < i + 3) return { ok: false, reason: 'truncated' };
  const len = b[i + 1]!;
  const lcs = b[i + 2]!;
  if (len === 0x00 && lcs === 0xff) return { ok: true, kind: 'ack', tfi: null, data: new Uint8Array(0) };
  if (len === 0xff && lcs === 0x00) return { ok: true, kind: 'nack', tfi: null, data: new Uint8Array(0) };
  if (len === 0xff && lcs === 0xff) return { ok: false, reason: 'extended frames are not supported' };
  if (((len + lcs) & 0xff) !== 0) return { ok: false, reason: 'bad length checksum' };
  const start = i + 3;
  if (b.length < start + len + 2) return { ok: false, reason: 'truncated' };
  let sum = 0;
  for (let k = 0; k <= len; k++) sum += b[start + k]!; // TFI, PD0…PDn, DCS
  if ((sum & 0xff) !== 0) return { ok: false, reason: 'bad data checksum' };
  if (b[start + len + 1] !== 0x00) return { ok: false, reason: 'bad postamble' };
  const tfi = b[start]!;
  return { ok: true, kind: tfi === TFI_ERROR ? 'error' : 'info', tfi, data: b.slice(start + 1, start + len) };
}

export interface PN532Card {
  uid: Uint8Array;
  sensRes: [number, number];
  selRes: number;
}

export interface PN532Options {
  /** Device time, ms. */
  now: () => number;
  /** Time from a command to its response being ready. Default 3 ms. */
  responseDelayMs?: number;
  /** Model assumption (the manual gives no figure): time per passive activation retry when
   *  RFConfiguration has set MxRtyPassiveActivation below 0xFF. Default 5 ms. */
  passiveRetryMs?: number;
}

type Pending = { frame: Uint8Array; readyAt: number };

export class PN532 implements I2CDevice {
  /** Fault: the chip does not acknowledge its address. */
  nack = false;

  private ack = false; // an ACK frame is waiting to be read
  private out: Pending | null = null;
  private waiting: { deadline: number; typeA: boolean } | null = null; // InListPassiveTarget with no card in the field
  private last: Uint8Array | null = null; // last response frame, for the host's NACK (§6.2.1.4)
  private garble = false;
  private sam = false;
  private mxRtyPassive = 0xff; // default: retry forever
  private present: PN532Card | null = null;

  constructor(private readonly o: PN532Options) {}

  get acknowledging(): boolean {
    return !this.nack;
  }
  get samConfigured(): boolean {
    return this.sam;
  }
  get card(): PN532Card | null {
    return this.present;
  }

  /** Put a card in the field: 4-byte UID → MIFARE Classic 1K (SENS_RES 00 04, SEL_RES 08),
   *  7-byte → MIFARE Ultralight (00 44, 00), unless given. */
  placeCard(uid: Uint8Array | number[], type: { sensRes?: [number, number]; selRes?: number } = {}): void {
    const u = Uint8Array.from(uid);
    if (u.length !== 4 && u.length !== 7) throw new RangeError(`PN532 card UID must be 4 or 7 bytes, got ${u.length}`);
    const classic = u.length === 4;
    this.settle();
    this.present = { uid: u, sensRes: type.sensRes ?? (classic ? [0x00, 0x04] : [0x00, 0x44]), selRes: type.selRes ?? (classic ? 0x08 : 0x00) };
    if (this.waiting?.typeA) {
      this.waiting = null;
      this.respond(this.listResponse(this.present));
    }
  }

  removeCard(): void {
    this.present = null;
  }

  /** Fault: the next response frame goes out with a wrong data checksum. */
  garbleNext(): void {
    this.garble = true;
  }

  write(data: Uint8Array): void {
    const f = parseFrame(data);
    // §6.2.3: a frame the PN532 cannot read gets no ACK; the host resends after its timeout.
    if (!f.ok) return;
    if (f.kind === 'nack') {
      // Resend the last response, intact; a response not yet delivered is simply still on its way.
      if (this.last && !this.out && !this.waiting) this.out = { frame: this.last, readyAt: this.o.now() };
      return;
    }
    // An ACK from the host aborts the command in progress (§6.2.2); so does any new command.
    this.ack = false;
    this.out = null;
    this.waiting = null;
    if (f.kind !== 'info') return;
    this.ack = true;
    if (f.tfi !== TFI_HOST || f.data.length === 0) return this.respond(null);
    this.execute(f.data[0]!, f.data.subarray(1));
  }

  read(n: number): Uint8Array {
    const out = new Uint8Array(n); // not ready: status 0x00, then nothing useful
    if (n === 0) return out;
    let frame: Uint8Array | null = null;
    if (this.ack) {
      frame = ACK_FRAME;
      if (n - 1 >= frame.length) this.ack = false;
    } else {
      this.settle();
      if (this.out && this.o.now() >= this.out.readyAt) {
        frame = this.out.frame;
        if (n - 1 >= frame.length) this.out = null; // the host has read the whole frame
      }
    }
    if (!frame) return out;
    out[0] = 0x01;
    out.set(frame.subarray(0, n - 1), 1);
    return out;
  }

  private execute(cmd: number, p: Uint8Array): void {
    switch (cmd) {
      case PN532_CMD.GetFirmwareVersion:
        return this.respond([0x03, 0x32, 0x01, 0x06, 0x07]); // IC PN532, Ver 1, Rev 6, ISO18092 + 14443A/B
      case PN532_CMD.SAMConfiguration:
        if (p.length < 1 || p[0]! < 1 || p[0]! > 4) return this.respond(null);
        this.sam = true;
        return this.respond([0x15]);
      case PN532_CMD.RFConfiguration:
        if (p.length < 1) return this.respond(null);
        if (p[0] === 0x05 && p.length >= 4) this.mxRtyPassive = p[3]!; // MaxRetries: MxRtyATR, MxRtyPSL, MxRtyPassiveActivation
        return this.respond([0x33]);
      case PN532_CMD.InListPassiveTarget: {
        if (p.length < 2 || p[0]! < 1 || p[0]! > 2) return this.respond(null); // MaxTg is 1 or 2
        // Only 106 kbps type A cards are modelled; other baud rates never find one.
        if (this.present && p[1] === 0x00) return this.respond(this.listResponse(this.present));
        const retries = this.mxRtyPassive === 0xff ? Infinity : this.mxRtyPassive + 1;
        this.waiting = { deadline: this.o.now() + retries * (this.o.passiveRetryMs ?? 5), typeA: p[1] === 0x00 };
        return;
      }
      default:
        // §6.2.1.5: an error at the application level (here an unknown command) is answered with the syntax error frame.
        return this.respond(null);
    }
  }

  private listResponse(c: PN532Card): number[] {
    return [0x4b, 0x01, 0x01, ...c.sensRes, c.selRes, c.uid.length, ...c.uid];
  }

  /** Queue a response (PD bytes after TFI D5), or the syntax error frame for null. */
  private respond(pd: number[] | null, readyAt = this.o.now() + (this.o.responseDelayMs ?? 3)): void {
    const frame = pd ? buildFrame([TFI_PN532, ...pd]) : ERROR_FRAME;
    this.last = frame;
    let sent = frame;
    if (this.garble) {
      this.garble = false;
      sent = frame.slice();
      sent[sent.length - 2] = (sent[sent.length - 2]! + 1) & 0xff;
    }
    this.out = { frame: sent, readyAt };
  }

  /** A passive activation with finite retries that ran out before now answers "no target". */
  private settle(): void {
    if (this.waiting && this.o.now() >= this.waiting.deadline) {
      const at = this.waiting.deadline;
      this.waiting = null;
      this.respond([0x4b, 0x00], at);
    }
  }
}
