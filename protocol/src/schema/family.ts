import type { ObjectSchema, ArraySchema, Schema } from './dsl.js';

/** One message: its schema, who sends it, and how it is told apart from its siblings. */
export interface MessageDef {
  /** TypeScript interface name, e.g. `ValveData`. */
  typeName: string;
  /** Value of the family's discriminator (`event`/`type`), or the Socket.io event name. */
  tag: string;
  /** For two messages sharing a tag in one direction: the property (and its value) that separates them. */
  variant?: { property: string; value: string };
  /** Not in the seed: an additive espfleet extension. */
  extension?: boolean;
  summary: string;
  schema: ObjectSchema;
  /** The wire examples, the seed's verbatim where it has one. */
  examples: unknown[];
}

export interface DirectionDef {
  /** Union type name, also the decoder/encoder suffix: `decodeValveClientMessage`. */
  union: string;
  from: string;
  to: string;
  messages: MessageDef[];
  /** A message whose whole body is a JSON array (the signaling `check` answer). */
  arrayMessage?: { typeName: string; summary: string; schema: ArraySchema; examples: unknown[] };
}

export interface FamilyDef {
  name: 'valve' | 'sensor-stream' | 'charger' | 'gateway' | 'signaling';
  /** Identifier-safe name used in generated code and module file names. */
  id: string;
  title: string;
  seed: string;
  /**
   * `event`/`type`: a property of the message object. `socketio`: the message is the
   * Socket.io event array `[name, payload]` and the tag is `name`.
   */
  discriminator: 'event' | 'type' | 'socketio';
  directions: DirectionDef[];
  /** Named constants exported with the family (close codes, fixed error strings). */
  constants?: Record<string, Record<string, string | number>>;
}

export type { Schema };
