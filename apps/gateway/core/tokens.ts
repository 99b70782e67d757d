/** Injection tokens for the member's shared resources. */
export const CONFIG = Symbol('MemberConfig');
export const DATA_SOURCE = Symbol('DataSource');
export const TEMPORAL = Symbol('TemporalClient');
export const SEQUENCER = Symbol('SequencerClient');
export const DIRECTORY = Symbol('MemberDirectory');
export const LOGGER = Symbol('Logger');
