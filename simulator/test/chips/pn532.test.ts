import { describe, it, expect } from 'vitest';
import { I2CBus, I2CNackError } from '../../src/espruino/i2cBus.js';
import {
  ACK_FRAME,
  ERROR_FRAME,
  NACK_FRAME,
  PN532,
  PN532_I2C_ADDRESS as ADDR,
  buildFrame,
  parseFrame,
} from '../../src/devices/chips/pn532.js';

const hex = (s: string) => s.trim().split(/\s+/).map((x) => parseInt(x, 16));

function rig() {
  const clock = { t: 0 };
  const chip = new PN532({ now: () => clock.t });
  const bus = new I2CBus('i2c0', () => clock.t);
  bus.attach(ADDR, chip);
  const send = (pd: number[]) => bus.write(ADDR, buildFrame([0xd4, ...pd]));
  /** One read transfer: the status byte, then a frame if the chip had one ready. */
  const poll = (n = 32) => {
    const r = bus.read(ADDR, n);
    return { ready: r[0] === 0x01, bytes: r.subarray(1), frame: parseFrame(r.subarray(1)) };
  };
  const expectAck = () => {
    const r = poll(7);
    expect(r.ready).toBe(true);
    expect([...r.bytes]).toEqual([...ACK_FRAME]);
  };
  /** Send a command, check its ACK, wait out the response delay and return the response data. */
  const exchange = (pd: number[]) => {
    send(pd);
    expectAck();
    clock.t += 3;
    const r = poll();
    expect(r.ready).toBe(true);
    if (!r.frame.ok) throw new Error(r.frame.reason);
    return r.frame;
  };
  return { clock, chip, bus, send, poll, expectAck, exchange };
}

describe('PN532 frames', () => {
  it('builds the GetFirmwareVersion command frame byte for byte', () => {
    expect([...buildFrame([0xd4, 0x02])]).toEqual(hex('00 00 FF 02 FE D4 02 2A 00'));
  });

  it('builds the syntax error frame from TFI 7F alone', () => {
    expect([...buildFrame([0x7f])]).toEqual([...ERROR_FRAME]);
    expect([...ERROR_FRAME]).toEqual(hex('00 00 FF 01 FF 7F 81 00'));
  });

  it('parses information, ACK, NACK and error frames', () => {
    const info = parseFrame(hex('00 00 FF 06 FA D5 03 32 01 06 07 E8 00'));
    expect(info).toEqual({ ok: true, kind: 'info', tfi: 0xd5, data: Uint8Array.of(0x03, 0x32, 0x01, 0x06, 0x07) });
    expect(parseFrame(ACK_FRAME)).toMatchObject({ ok: true, kind: 'ack', tfi: null });
    expect(parseFrame(NACK_FRAME)).toMatchObject({ ok: true, kind: 'nack', tfi: null });
    expect(parseFrame(ERROR_FRAME)).toMatchObject({ ok: true, kind: 'error', tfi: 0x7f });
  });

  it('accepts a longer preamble', () => {
    expect(parseFrame(hex('00 00 00 00 FF 02 FE D4 02 2A 00'))).toMatchObject({ ok: true, tfi: 0xd4 });
  });

  it('rejects bad checksums and truncated frames', () => {
    expect(parseFrame(hex('00 00 FF 02 FE D4 02 2B 00'))).toEqual({ ok: false, reason: 'bad data checksum' });
    expect(parseFrame(hex('00 00 FF 02 FD D4 02 2A 00'))).toEqual({ ok: false, reason: 'bad length checksum' });
    expect(parseFrame(hex('00 00 FF 02 FE D4'))).toEqual({ ok: false, reason: 'truncated' });
    expect(parseFrame(new Uint8Array(8))).toEqual({ ok: false, reason: 'no start code' });
  });
});

describe('PN532 over I2C', () => {
  it('answers GetFirmwareVersion: status + ACK, not ready, then status + response', () => {
    const { clock, send, poll, expectAck } = rig();
    send([0x02]);
    expectAck();
    const early = poll(14);
    expect(early.ready).toBe(false);
    expect([...early.bytes]).toEqual(new Array(13).fill(0));
    clock.t = 3;
    const r = poll(14);
    expect(r.ready).toBe(true);
    expect([...r.bytes]).toEqual(hex('00 00 FF 06 FA D5 03 32 01 06 07 E8 00'));
    expect(poll(14).ready).toBe(false); // the frame has been read
  });

  it('does not consume the response with a status-only read', () => {
    const { clock, send, poll, expectAck } = rig();
    send([0x02]);
    expect(poll(1).ready).toBe(true); // ACK is ready
    expectAck();
    clock.t = 3;
    expect(poll(1).ready).toBe(true);
    expect(poll().frame).toMatchObject({ ok: true, data: Uint8Array.of(0x03, 0x32, 0x01, 0x06, 0x07) });
  });

  it('configures the SAM', () => {
    const { chip, exchange } = rig();
    expect(chip.samConfigured).toBe(false);
    expect(exchange([0x14, 0x01, 0x14, 0x01])).toMatchObject({ tfi: 0xd5, data: Uint8Array.of(0x15) });
    expect(chip.samConfigured).toBe(true);
  });

  it('answers RFConfiguration', () => {
    const { exchange } = rig();
    expect(exchange([0x32, 0x05, 0xff, 0x01, 0xff]).data).toEqual(Uint8Array.of(0x33));
  });

  it('lists a MIFARE Classic card with a 4-byte UID', () => {
    const { chip, exchange } = rig();
    chip.placeCard([0xde, 0xad, 0xbe, 0xef]);
    expect(chip.card?.selRes).toBe(0x08);
    expect([...exchange([0x4a, 0x01, 0x00]).data]).toEqual(hex('4B 01 01 00 04 08 04 DE AD BE EF'));
  });

  it('lists a MIFARE Ultralight with a 7-byte UID', () => {
    const { chip, exchange } = rig();
    chip.placeCard(Uint8Array.of(0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66));
    expect([...exchange([0x4a, 0x01, 0x00]).data]).toEqual(hex('4B 01 01 00 44 00 07 04 11 22 33 44 55 66'));
  });

  it('rejects UIDs that are neither 4 nor 7 bytes', () => {
    expect(() => rig().chip.placeCard([1, 2, 3])).toThrow(RangeError);
  });

  it('waits with no card in the field until one is placed', () => {
    const { clock, chip, send, poll, expectAck } = rig();
    send([0x4a, 0x01, 0x00]);
    expectAck();
    clock.t = 100;
    expect(poll().ready).toBe(false);
    chip.placeCard([1, 2, 3, 4]);
    clock.t = 101;
    expect(poll().ready).toBe(false);
    clock.t = 103;
    const r = poll();
    expect(r.ready).toBe(true);
    expect(r.frame).toMatchObject({ ok: true, data: Uint8Array.of(0x4b, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04, 1, 2, 3, 4) });
  });

  it('waits again once the card is removed', () => {
    const { clock, chip, send, poll, expectAck, exchange } = rig();
    chip.placeCard([1, 2, 3, 4]);
    expect(exchange([0x4a, 0x01, 0x00]).data[1]).toBe(1);
    chip.removeCard();
    expect(chip.card).toBeNull();
    send([0x4a, 0x01, 0x00]);
    expectAck();
    clock.t += 1000;
    expect(poll().ready).toBe(false);
  });

  it('gives up after the retries set by RFConfiguration MaxRetries', () => {
    const { clock, send, poll, expectAck, exchange } = rig();
    exchange([0x32, 0x05, 0xff, 0x01, 0x00]); // MxRtyPassiveActivation = 0: one attempt
    send([0x4a, 0x01, 0x00]);
    expectAck();
    clock.t += 10;
    expect(poll().frame).toMatchObject({ ok: true, data: Uint8Array.of(0x4b, 0x00) });
  });

  it('aborts the wait when a new command is written', () => {
    const { clock, chip, send, poll, expectAck, exchange } = rig();
    send([0x4a, 0x01, 0x00]);
    expectAck();
    clock.t = 50;
    expect(exchange([0x02]).data).toEqual(Uint8Array.of(0x03, 0x32, 0x01, 0x06, 0x07));
    chip.placeCard([1, 2, 3, 4]);
    clock.t += 10;
    expect(poll().ready).toBe(false); // the listing was cancelled
  });

  it('aborts the wait when the host sends an ACK frame', () => {
    const { clock, chip, bus, send, poll, expectAck } = rig();
    send([0x4a, 0x01, 0x00]);
    expectAck();
    bus.write(ADDR, ACK_FRAME);
    chip.placeCard([1, 2, 3, 4]);
    clock.t += 10;
    expect(poll().ready).toBe(false);
  });

  it('answers an unknown command with ACK then the syntax error frame', () => {
    const { clock, send, poll, expectAck } = rig();
    send([0xaa]);
    expectAck();
    clock.t = 3;
    const r = poll(9);
    expect([...r.bytes]).toEqual([...ERROR_FRAME]);
    expect(r.frame).toMatchObject({ ok: true, kind: 'error' });
  });

  it('ignores a command frame with a bad checksum (no ACK)', () => {
    const { bus, poll } = rig();
    bus.write(ADDR, Uint8Array.from(hex('00 00 FF 02 FE D4 02 2B 00')));
    expect(poll(7).ready).toBe(false);
  });

  it('garbles the next response checksum; a host NACK gets the frame again, intact', () => {
    const { clock, chip, bus, send, poll, expectAck } = rig();
    chip.garbleNext();
    send([0x02]);
    expectAck(); // ACK frames are not affected
    clock.t = 3;
    expect(poll().frame).toEqual({ ok: false, reason: 'bad data checksum' });
    bus.write(ADDR, NACK_FRAME);
    expect(poll().frame).toMatchObject({ ok: true, data: Uint8Array.of(0x03, 0x32, 0x01, 0x06, 0x07) });
  });

  it('does not acknowledge its address while the nack fault is set', () => {
    const { chip, bus, send } = rig();
    chip.nack = true;
    expect(() => send([0x02])).toThrow(I2CNackError);
    expect(() => bus.read(ADDR, 7)).toThrow("jshI2CRead: slave doesn't ACK the transfer");
  });
});
