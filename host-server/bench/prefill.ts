// Long sessions for the ingest bench, written straight to the database (the server would take
// minutes to store them): each station gets an open session holding `readings` readings, one a
// second at 3,680 W, ending 1,500 s ago, with its totals, and its device's power, voltage and
// current sensors the same readings — what an hours-long session leaves behind.
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Store } from '../src/storage/store.js';

export const PREFILL_END_AGO_S = 1500;
const W = 3680;

export async function prefillSessions(store: Store, users: number[], readings: number, db: { databaseUrl: string } | { file: string }): Promise<void> {
  const lastTs = Math.floor(Date.now() / 1000) - PREFILL_END_AGO_S;
  const startS = lastTs - readings - 10;
  // Readings k = 1..n at ts = startS + 10 + k; billed energy from the first reading on.
  const kwh = (W * (readings - 1)) / 3600 / 1000;
  for (let i = 0; i < users.length; i++) await store.createSession({ stationId: i + 1, userId: users[i], cardUid: `CARD-${i + 1}`, startedAt: startS * 1000 });
  const metrics = (series: string, k: string) => `
    INSERT INTO session_metrics (session_id, ts, v, a, w, energy_wh, kwh, cost, time)
    SELECT s.id, ${startS + 10} + ${k}, 230, 16, ${W}, NULL, ${W / 3600 / 1000} * (${k} - 1), ${(W / 3600 / 1000) * 7} * (${k} - 1), 10 + ${k}
    FROM sessions s, ${series} WHERE s.ended_at IS NULL`;
  const sensorReadings = (series: string, k: string) => `
    INSERT INTO readings (sensor_id, value, ts)
    SELECT se.id, CASE se.type WHEN 'power' THEN ${W} WHEN 'voltage' THEN 230 ELSE 16 END, (CAST(${startS + 10} AS BIGINT) + ${k}) * 1000
    FROM stations st JOIN sensors se ON se.device_id = st.device_id, ${series}`;
  const totals = `UPDATE sessions SET kwh = ${kwh}, cost = ${kwh * 7}, duration = ${10 + readings}, last_ts = ${lastTs}, last_w = ${W} WHERE ended_at IS NULL`;
  if ('file' in db) {
    const sqlite = new Database(db.file);
    const series = `(WITH RECURSIVE g(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM g WHERE k < ${readings}) SELECT k FROM g) g`;
    sqlite.transaction(() => {
      sqlite.exec(metrics(series, 'g.k'));
      sqlite.exec(sensorReadings(series, 'g.k'));
      sqlite.exec(totals);
    })();
    sqlite.close();
  } else {
    // espfleet's `schema` URL parameter is not pg's: it becomes the search path here.
    const u = new URL(db.databaseUrl);
    const schema = u.searchParams.get('schema');
    u.searchParams.delete('schema');
    const client = new pg.Client(u.toString());
    await client.connect();
    if (schema) await client.query(`SET search_path TO "${schema}"`);
    const series = `generate_series(1, ${readings}) AS g(k)`;
    await client.query('BEGIN');
    await client.query(metrics(series, 'g.k'));
    await client.query(sensorReadings(series, 'g.k'));
    await client.query(totals);
    await client.query('COMMIT');
    // Vacuumed and analysed now, so autovacuum does not start on these tables mid-measurement.
    await client.query('VACUUM ANALYZE session_metrics, readings, sessions');
    await client.end();
  }
}
