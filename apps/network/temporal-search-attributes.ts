import type { Connection } from '@temporalio/client';

export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

// temporal.api.enums.v1.IndexedValueType; the numbers are part of the wire protocol.
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

/**
 * Registers the search attributes missing from each namespace, and fails on
 * one registered with another type. (The CLI's --search-attribute may skip
 * namespaces that already exist.)
 */
export async function ensureSearchAttributes(
  conn: Connection,
  namespaces: string[],
  searchAttributes: Record<string, SearchAttributeType>,
  log: (line: string) => void,
): Promise<void> {
  for (const namespace of namespaces) {
    const { customAttributes } = await conn.operatorService.listSearchAttributes({ namespace });
    const missing: Record<string, number> = {};
    for (const [name, type] of Object.entries(searchAttributes)) {
      const have = customAttributes?.[name];
      if (have === undefined) missing[name] = INDEXED_VALUE_TYPE[type];
      // The proto enum's values are the numbers in INDEXED_VALUE_TYPE.
      else if ((have as number) !== INDEXED_VALUE_TYPE[type]) {
        throw new Error(
          `Temporal namespace ${namespace}: search attribute ${name} exists with type ${have}, ` +
            `expected ${type} (${INDEXED_VALUE_TYPE[type]})`,
        );
      }
    }
    if (Object.keys(missing).length > 0) {
      log(`temporal: registering ${Object.keys(missing).join(', ')} in namespace ${namespace}`);
      await conn.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: missing,
      });
    }
  }
}
