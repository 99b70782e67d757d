import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { nowIso, writeOnce } from '../../shared/db/data-source.js';
import { IdempotencyKeyRecord } from '../../shared/db/entities.js';
import { canonicalJson, hashText } from '../../shared/exchange/canonical.js';
import { ApiError } from '../common/api-error.js';
import { DATA_SOURCE } from '../core/tokens.js';

/** 1 to 200 printable ASCII characters. */
const KEY_PATTERN = /^[\x20-\x7e]{1,200}$/;

/**
 * Idempotency-Key of POST /processes. The key is the table's primary key, so
 * of concurrent requests with the same key exactly one claims it; the others
 * get the process id the winner chose.
 */
@Injectable()
export class IdempotencyKeysService {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  static check(key: string): void {
    if (!KEY_PATTERN.test(key))
      throw ApiError.badRequest('invalid-idempotency-key', 'Idempotency-Key must be 1 to 200 printable characters');
  }

  /**
   * Claims `key` for `processId`; returns the process id the key belongs to
   * (ours, or the one an earlier request with the same body started).
   */
  async claim(key: string, body: unknown, processId: string): Promise<string> {
    const requestHash = hashText(canonicalJson(body));
    // One statement, atomic on both databases: INSERT OR IGNORE / ON CONFLICT DO NOTHING.
    await writeOnce(this.ds, (em) =>
      em
        .createQueryBuilder()
        .insert()
        .into(IdempotencyKeyRecord)
        .values({ key, processId, requestHash, createdAt: nowIso() })
        .orIgnore()
        .execute(),
    );
    const record = await this.ds.getRepository(IdempotencyKeyRecord).findOneByOrFail({ key });
    if (record.requestHash !== requestHash)
      throw new ApiError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'idempotency-key-reused',
        'this Idempotency-Key was used with a different request body',
      );
    return record.processId;
  }

  /** Frees the key again when the process it was claimed for could not be started. */
  async release(key: string, processId: string): Promise<void> {
    await writeOnce(this.ds, (em) => em.getRepository(IdempotencyKeyRecord).delete({ key, processId }));
  }
}
