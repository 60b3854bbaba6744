// The bridge's topic scheme in one place: what it publishes under `<prefix>/…`, the command
// topics it listens to, and where Home Assistant finds the discovery configs.

export type ValveLeaf = 'state' | 'angle' | 'position' | 'availability' | 'set' | 'set_position' | 'set_schedule' | 'set_sensor' | 'error';
export type StationLeaf = 'voltage' | 'current' | 'power' | 'energy' | 'status' | 'availability' | 'session';
export type CommandLeaf = 'set' | 'set_position' | 'set_schedule' | 'set_sensor';

/** A message received on a command topic, split into its parts. */
export interface CommandTopic {
  /** The topic level between the prefix and the leaf, e.g. `valve-3`; where errors are answered. */
  segment: string;
  /** The valve's id when the segment names a valve, else null. */
  valveId: number | null;
  leaf: CommandLeaf;
}

const COMMAND_LEAVES: readonly string[] = ['set', 'set_position', 'set_schedule', 'set_sensor'] satisfies CommandLeaf[];

/** A prefix is one or more topic levels without wildcards or empty levels. */
function checkPrefix(what: string, p: string): string {
  if (!p || /[+#\0]/.test(p) || p.split('/').some((level) => level === '')) {
    throw new Error(`${what} must be topic levels without wildcards or empty levels, not ${JSON.stringify(p)}`);
  }
  return p;
}

export class Topics {
  readonly prefix: string;
  readonly discoveryPrefix: string;

  constructor(prefix = 'espfleet', discoveryPrefix = 'homeassistant') {
    this.prefix = checkPrefix('the MQTT prefix', prefix);
    this.discoveryPrefix = checkPrefix('the MQTT discovery prefix', discoveryPrefix);
  }

  /** `online` while the bridge is connected; the broker publishes `offline` (the last will) when it is not. */
  bridgeAvailability(): string {
    return `${this.prefix}/bridge/availability`;
  }

  valve(valveId: number, leaf: ValveLeaf): string {
    return `${this.prefix}/valve-${valveId}/${leaf}`;
  }

  station(stationId: number, leaf: StationLeaf): string {
    return `${this.prefix}/station-${stationId}/${leaf}`;
  }

  /** Where a command on `segment` that could not run is answered. */
  error(segment: string): string {
    return `${this.prefix}/${segment}/error`;
  }

  discovery(component: 'valve' | 'sensor', objectId: string): string {
    return `${this.discoveryPrefix}/${component}/${objectId}/config`;
  }

  /** Home Assistant's birth and last-will topic: `online` when it (re)starts. */
  homeAssistantStatus(): string {
    return `${this.discoveryPrefix}/status`;
  }

  commandSubscriptions(): string[] {
    return COMMAND_LEAVES.map((leaf) => `${this.prefix}/+/${leaf}`);
  }

  /** The parts of a command topic, or undefined for any other topic. */
  parseCommand(topic: string): CommandTopic | undefined {
    if (!topic.startsWith(this.prefix + '/')) return undefined;
    const levels = topic.slice(this.prefix.length + 1).split('/');
    if (levels.length !== 2 || !COMMAND_LEAVES.includes(levels[1])) return undefined;
    const [segment, leaf] = levels as [string, CommandLeaf];
    const id = /^valve-([1-9]\d{0,14})$/.exec(segment)?.[1];
    return { segment, valveId: id === undefined ? null : Number(id), leaf };
  }
}
