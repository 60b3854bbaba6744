// What the charger hub needs from the other instances: station ownership (one instance owns a
// station's live state at a time), its dashboard messages to their dashboards, and commands
// (a dashboard's stop, an operator's reset) carried to the owner. Absent: the instance is alone.
import type { Command } from '../cluster/clusterCodec.js';

export type { Command };

/** owned: this instance; held: by another (which was asked to release it); alone: Redis away, act alone. */
export type Claim = { kind: 'owned' } | { kind: 'held'; holder: string } | { kind: 'alone' };

export interface StationClusterEvents {
  /** A dashboard message of a station another instance owns. */
  dashboard(station: number, text: string): void;
  /** Another instance's charger connection wants the station: release it. */
  want(station: number): void;
  /** A command for a station this instance owns; the answer's dashboard messages go to the asker. */
  command(station: number, command: Command): Promise<string[]>;
  /** The station's lease was found held by another instance: this one no longer owns it. */
  lost(station: number): void;
}

export interface StationCluster {
  bind(events: StationClusterEvents): void;
  /** Takes the station's lease when free (or already ours); kept and renewed until released. */
  claim(station: number): Promise<Claim>;
  release(station: number): Promise<void>;
  /** The instance holding the lease: null when free, undefined when Redis is away. */
  holder(station: number): Promise<string | null | undefined>;
  /**
   * Redis has been up for a whole lease TTL, so every live owner has taken its leases again (after
   * a Redis restart or this instance's start): a free lease now means its owner is gone.
   */
  settled(): boolean;
  /** Asks the holder to release the station. */
  want(station: number): void;
  dashboard(station: number, text: string): void;
  /** The owner's answer, or undefined when none came in time (or Redis is away). */
  command(to: string, station: number, command: Command): Promise<string[] | undefined>;
}
