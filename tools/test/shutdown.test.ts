// Ctrl-C on `espfleet serve` with a charger flooding it: one stops within 5 s (queued work
// finished or dropped, said in the log), a second exits at once, and the data left behind
// is whole: the server starts again on it and reads the session back.
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { serve, jsonLines, type Served } from './support.js';
import { stopOnSignal, EXIT_INTERRUPTED } from '../src/shutdown.js';

const FLOOD = 30_000;

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`POST ${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, unknown>;
}

/** A station with a card, a charger in session, and FLOOD metrics sent without waiting. */
async function flood(s: Served): Promise<{ sessionId: number; answered: () => number }> {
  await post(`${s.url}/api/v1/stations`, { id: 1, name: 'E1', tariff: 7 });
  const user = await post(`${s.url}/api/v1/users`, { name: 'Ana' });
  await post(`${s.url}/api/v1/cards`, { uid: 'CARD-1', userId: user.id });
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws?role=publisher&estacionId=1`);
  ws.on('error', () => {});
  let answers = 0;
  const sessionId = await new Promise<number>((ok, fail) => {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { type: string; session_id?: number };
      answers++;
      if (m.type === 'connected') ws.send(JSON.stringify({ type: 'nfc_scan', nfc_uid: 'CARD-1' }));
      if (m.type === 'start') ok(m.session_id!);
    });
    setTimeout(() => fail(new Error('no session started')), 10_000);
  });
  const t0 = Math.floor(Date.now() / 1000);
  for (let i = 0; i < FLOOD; i++) ws.send(JSON.stringify({ type: 'metrics', session_id: sessionId, v: 230, a: 30, w: 6900, ts: t0 + i }));
  return { sessionId, answered: () => answers };
}

/** Waits until the server is busy with the flood (it has answered or taken some of it). */
async function busy(answered: () => number): Promise<void> {
  const before = answered();
  const until = Date.now() + 5000;
  while (answered() === before && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

describe('Ctrl-C on espfleet serve', () => {
  it('one Ctrl-C stops within 5 s with a backlog, says so, and leaves whole data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-stop-'));
    const s = await serve(['--open', '--data-dir', dir]);
    const { sessionId, answered } = await flood(s);
    await busy(answered);
    const sent = performance.now();
    s.child.kill('SIGINT');
    const { code, at } = await s.exited;
    expect(at - sent).toBeLessThan(5000);
    const msgs = jsonLines(s.stdout()).map((l) => l.msg ?? l.type);
    expect(msgs).toContain('stopping: finishing queued work');
    // Either the queue was finished (a clean stop) or what was left was dropped, said in the log.
    if (code === 0) expect(msgs).toContain('stopped');
    else expect(msgs.some((m) => String(m).startsWith('stopped before queued work finished'))).toBe(true);

    const again = await serve(['--open', '--data-dir', dir]);
    try {
      const r = await fetch(`${again.url}/api/v1/sessions/${sessionId}`);
      expect(r.status).toBe(200);
      const session = (await r.json()) as { id: number; metrics: unknown[] };
      expect(session.id).toBe(sessionId);
      expect(session.metrics.length).toBeLessThanOrEqual(FLOOD);
    } finally {
      again.child.kill('SIGINT');
      await again.exited;
    }
  });

  it('a second Ctrl-C exits at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espfleet-stop2-'));
    const s = await serve(['--open', '--data-dir', dir]);
    const { answered } = await flood(s);
    await busy(answered);
    s.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 30));
    const second = performance.now();
    s.child.kill('SIGINT');
    const { code, at } = await s.exited;
    expect(at - second).toBeLessThan(1000);
    // 130 when the graceful stop was still running; 0 if it had already finished. Never killed by the signal.
    expect(code, s.stderr() + s.stdout().slice(-2000)).not.toBeNull();
    if (code !== 0) {
      expect(code).toBe(130);
      expect(jsonLines(s.stdout()).map((l) => l.msg)).toContain('second Ctrl-C: exiting at once; unprocessed messages are dropped');
    }
  });
});

describe('stopOnSignal', () => {
  // SIGUSR2 raised with process.emit: the handlers run, no real signal is sent.
  const signal = 'SIGUSR2' as const;
  function watch(stop: () => Promise<void>, deadlineMs = 10_000) {
    const seen: string[] = [];
    const exits: number[] = [];
    const done = stopOnSignal(
      {
        stop,
        deadlineMs,
        onStopping: () => seen.push('stopping'),
        onDeadline: () => seen.push('deadline'),
        onSecond: () => seen.push('second'),
        exit: (code) => void exits.push(code),
      },
      [signal],
    );
    return { seen, exits, done };
  }

  it('a graceful stop in time resolves with 0; a signal after it exits with 0 at once', async () => {
    const w = watch(() => Promise.resolve());
    process.emit(signal);
    expect(await w.done).toBe(0);
    expect(w.seen).toEqual(['stopping']);
    expect(w.exits).toEqual([]);
    process.emit(signal);
    expect(w.exits).toEqual([0]);
    expect(w.seen).toEqual(['stopping']);
    process.removeAllListeners(signal);
  });

  it('exits with 1 when the stop outlasts the deadline, and at once with 130 on a second signal', async () => {
    const slow = watch(() => new Promise(() => {}), 50);
    process.emit(signal);
    await new Promise((r) => setTimeout(r, 100));
    expect(slow.seen).toEqual(['stopping', 'deadline']);
    expect(slow.exits).toEqual([1]);
    process.emit(signal);
    expect(slow.seen.at(-1)).toBe('second');
    expect(slow.exits).toEqual([1, EXIT_INTERRUPTED]);
    process.removeAllListeners(signal);

    const twice = watch(() => new Promise(() => {}));
    process.emit(signal);
    process.emit(signal);
    expect(twice.seen).toEqual(['stopping', 'second']);
    expect(twice.exits).toEqual([EXIT_INTERRUPTED]);
    process.removeAllListeners(signal);
  });
});
