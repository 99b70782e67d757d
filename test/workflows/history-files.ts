import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { projectRoot } from '../contracts/chain-helpers.js';

const { History } = proto.temporal.api.history.v1;
export type History = proto.temporal.api.history.v1.History;

export const HISTORIES_DIR = join(projectRoot, 'test', 'workflows', 'histories');

// Not @temporalio/common's historyToJSON/historyFromJSON: with the nested
// copies of protobufjs this install has, they fail with "type must be a Type".
// protobufjs' own object form round-trips through the same generated class:
// enums by name, 64-bit numbers and bytes as strings.
const AS_JSON = { longs: String, enums: String, bytes: String } as const;

export function historyToObject(history: proto.temporal.api.history.v1.IHistory): Record<string, unknown> {
  return History.toObject(History.fromObject(history), AS_JSON);
}

export function historyFromObject(json: Record<string, unknown>): History {
  return History.fromObject(json);
}

/**
 * Every saved history: `<scenario>.<member>.json` recorded with the current
 * workflow code; `v1.` ones with the code before the
 * `projector-records-deliveries` patch, `v2.` ones before
 * `publish-as-local-activity` (processes still running may have such histories).
 */
export function savedHistories(): { file: string; history: History }[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      history: historyFromObject(
        JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as Record<string, unknown>,
      ),
    }));
}
