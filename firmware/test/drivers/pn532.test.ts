// The PN532 driver against frames written out byte by byte as UM0701-02 defines them.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { connect, pn532Frame, pn532Parse, uidHex, passiveTargetUid, type I2CPort, type PN532 } from '../../src/drivers/pn532.js';

const hex = (s: string) => s.split(' ').map((b) => parseInt(b, 16));
const ACK = hex('00 00 FF 00 FF 00');

/** The PN532's I2C host interface: every read starts with the status byte (0x01 = a frame is ready),
 *  and a frame leaves the chip only when the host reads all of it. Frames the chip will answer are queued by the test. */
class PN532Interface implements I2CPort {
  written: number[][] = [];
  private out: number[][] = [];
  answering = true;
  constructor(readonly address = 0x24) {}
  /** Frames made ready after the next write. */
  private script: number[][][] = [];
  reply(...frames: number[][]) {
    this.script.push(frames);
  }
  writeTo(address: number, data: number[]): void {
    if (!this.answering || address !== this.address) throw new Error("jshI2CWrite: slave doesn't ACK the transfer");
    this.written.push(data.slice());
    this.out = (this.script.shift() ?? []).slice();
  }
  readFrom(address: number, n: number): Uint8Array {
    if (!this.answering || address !== this.address) throw new Error("jshI2CRead: slave doesn't ACK the transfer");
    const b = new Uint8Array(n);
    const f = this.out[0];
    if (!f) return b;
    b[0] = 0x01;
    for (let i = 0; i < n - 1 && i < f.length; i++) b[i + 1] = f[i]!;
    if (n - 1 >= f.length) this.out.shift();
    return b;
  }
}

function run<T>(start: (cb: (err: string | null, v: T) => void) => void): { err: string | null; v: T } {
  let r: { err: string | null; v: T } | undefined;
  start((err, v) => (r = { err, v }));
  vi.advanceTimersByTime(1000);
  if (!r) throw new Error('no callback');
  return r;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PN532 frames', () => {
  it('builds host frames with LEN, LCS, TFI D4 and DCS (GetFirmwareVersion, SAMConfiguration, InListPassiveTarget)', () => {
    expect(pn532Frame([0x02])).toEqual(hex('00 00 FF 02 FE D4 02 2A 00'));
    expect(pn532Frame([0x14, 0x01, 0x14, 0x01])).toEqual(hex('00 00 FF 05 FB D4 14 01 14 01 02 00'));
    expect(pn532Frame([0x4a, 0x01, 0x00])).toEqual(hex('00 00 FF 04 FC D4 4A 01 00 E1 00'));
    expect(pn532Frame([0x32, 0x05, 0xff, 0x01, 0x02])).toEqual(hex('00 00 FF 06 FA D4 32 05 FF 01 02 F3 00'));
  });

  it('parses ACK, NACK, the error frame and information frames; refuses bad checksums', () => {
    expect(pn532Parse(ACK, 0).kind).toBe('ack');
    expect(pn532Parse(hex('00 00 FF FF 00 00'), 0).kind).toBe('nack');
    expect(pn532Parse(hex('00 00 FF 01 FF 7F 81 00'), 0).kind).toBe('error');
    expect(pn532Parse(hex('01 00 00 FF 06 FA D5 03 32 01 06 07 E8 00'), 1)).toEqual({ kind: 'info', data: hex('03 32 01 06 07'), why: '' });
    expect(pn532Parse(hex('00 00 FF 06 FB D5 03 32 01 06 07 E8 00'), 0).why).toBe('bad length checksum');
    expect(pn532Parse(hex('00 00 FF 06 FA D5 03 32 01 06 07 E9 00'), 0).why).toBe('bad data checksum');
    expect(pn532Parse(hex('00 00 FF 06 FA D5 03 32'), 0).why).toBe('truncated frame');
    expect(pn532Parse(hex('FF 00 00 00'), 0).why).toBe('no start code');
    expect(pn532Parse(hex('00 00 FF 02 FE D4 02 2A 00'), 0).why).toBe('unexpected TFI');
  });

  it('reads 4- and 7-byte UIDs from InListPassiveTarget answers; none when no target', () => {
    expect(uidHex(passiveTargetUid(hex('4B 01 01 00 04 08 04 04 A1 B2 C3'))!)).toBe('04A1B2C3');
    expect(uidHex(passiveTargetUid(hex('4B 01 01 00 44 00 07 04 11 22 33 44 55 66'))!)).toBe('04112233445566');
    expect(passiveTargetUid(hex('4B 00'))).toBeNull();
    expect(() => passiveTargetUid(hex('4B 01 01 00 04 08 05 04 A1 B2 C3'))).toThrow('bad target data');
  });
});

describe('PN532 driver', () => {
  let chip: PN532Interface;
  let nfc: PN532;
  beforeEach(() => {
    chip = new PN532Interface();
    nfc = connect(chip, 0x24);
  });

  it('initialises: firmware version, SAMConfiguration normal mode, bounded passive retries; each ACK checked', () => {
    chip.reply(ACK, hex('00 00 FF 06 FA D5 03 32 01 06 07 E8 00'));
    chip.reply(ACK, hex('00 00 FF 02 FE D5 15 16 00'));
    chip.reply(ACK, hex('00 00 FF 02 FE D5 33 F8 00'));
    const r = run<string>((cb) => nfc.init(cb));
    expect(r).toEqual({ err: null, v: 'PN532 v1.6' });
    expect(chip.written).toEqual([
      hex('00 00 FF 02 FE D4 02 2A 00'),
      hex('00 00 FF 05 FB D4 14 01 14 01 02 00'),
      hex('00 00 FF 06 FA D4 32 05 FF 01 02 F3 00'),
    ]);
  });

  it('polls a 4-byte and a 7-byte card, and an empty field', () => {
    chip.reply(ACK, hex('00 00 FF 0C F4 D5 4B 01 01 00 04 08 04 04 A1 B2 C3 B4 00'));
    expect(run<number[] | null>((cb) => nfc.readPassiveTarget(cb))).toEqual({ err: null, v: hex('04 A1 B2 C3') });
    expect(chip.written[0]).toEqual(hex('00 00 FF 04 FC D4 4A 01 00 E1 00'));
    chip.reply(ACK, hex('00 00 FF 0F F1 D5 4B 01 01 00 44 00 07 04 11 22 33 44 55 66 2A 00'));
    expect(run<number[] | null>((cb) => nfc.readPassiveTarget(cb)).v).toEqual(hex('04 11 22 33 44 55 66'));
    chip.reply(ACK, hex('00 00 FF 03 FD D5 4B 00 E0 00'));
    expect(run<number[] | null>((cb) => nfc.readPassiveTarget(cb))).toEqual({ err: null, v: null });
  });

  it('a garbled response is reported, not taken as a card', () => {
    chip.reply(ACK, hex('00 00 FF 0C F4 D5 4B 01 01 00 04 08 04 04 A1 B2 C3 B5 00'));
    expect(run<number[] | null>((cb) => nfc.readPassiveTarget(cb))).toEqual({ err: 'bad data checksum', v: null });
  });

  it('a missing ACK, the error frame, a silent chip (aborted with an ACK) and a chip that does not answer its address', () => {
    chip.reply(hex('00 00 FF 02 FE D5 15 16 00'));
    expect(run<number[] | null>((cb) => nfc.readPassiveTarget(cb)).err).toBe('expected ACK, got truncated frame');
    chip.reply(ACK, hex('00 00 FF 01 FF 7F 81 00'));
    expect(run<number[] | null>((cb) => nfc.readPassiveTarget(cb)).err).toBe('PN532 answered with error');
    chip.reply(ACK);
    chip.written = [];
    expect(run<number[] | null>((cb) => nfc.readPassiveTarget(cb)).err).toBe('PN532 timeout');
    expect(chip.written[1]).toEqual(ACK);
    chip.answering = false;
    expect(run<number[] | null>((cb) => nfc.readPassiveTarget(cb)).err).toMatch(/^PN532 not answering: jshI2CWrite/);
  });
});
