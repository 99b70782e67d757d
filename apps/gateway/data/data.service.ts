import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { MemberConfig } from '../../shared/config.js';
import { nowIso, writeOnce } from '../../shared/db/data-source.js';
import { BlobRecord } from '../../shared/db/data-entities.js';
import { sanitiseContentType, sanitiseName } from '../../shared/exchange/blob-names.js';
import { canonicalJson } from '../../shared/exchange/canonical.js';
import { blobPath, writeBlob } from '../../shared/exchange/blob-store.js';
import { ApiError } from '../common/api-error.js';
import { CONFIG, DATA_SOURCE } from '../core/tokens.js';
import type { IncomingFile, StoredFile } from './blob-storage.engine.js';
import type { UploadDataDto } from './dto/upload-data.dto.js';

@Injectable()
export class DataService {
  constructor(
    @Inject(CONFIG) private readonly config: MemberConfig,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
  ) {}

  /** Records a multipart upload the storage engine already wrote under its hash. */
  recordUpload(file: IncomingFile & StoredFile, dto: UploadDataDto) {
    return this.record({
      hash: file.hash,
      size: file.size,
      contentType: sanitiseContentType(file.mimetype),
      name: sanitiseName(dto.name ?? file.originalname),
      processId: dto.processId,
    });
  }

  async storeJson(value: unknown, dto: UploadDataDto) {
    const bytes = Buffer.from(canonicalJson(value), 'utf8');
    if (bytes.length > this.config.maxBlobBytes)
      throw new ApiError(413, 'blob-too-large', 'the value is larger than MAX_BLOB_BYTES allows');
    const { hash, size } = await writeBlob(this.config.blobDir, bytes);
    return this.record({
      hash,
      size,
      contentType: 'application/json',
      name: sanitiseName(dto.name, 'data.json'),
      processId: dto.processId,
    });
  }

  async get(id: string) {
    const { id: _, hash, size, contentType, name, author, processId, createdAt } = await this.find(id);
    return { id, hash, size, contentType, name, author, processId: processId ?? undefined, createdAt };
  }

  /** The blob's record and a stream of its bytes. */
  async open(id: string) {
    const record = await this.find(id);
    const path = blobPath(this.config.blobDir, record.hash);
    try {
      await access(path);
    } catch {
      throw ApiError.notFound('unknown-blob', `the bytes of blob ${id} are not at member ${this.config.memberName}`);
    }
    return { record, stream: createReadStream(path) };
  }

  private async find(id: string): Promise<BlobRecord> {
    const record = await this.ds.getRepository(BlobRecord).findOneBy({ id });
    if (!record) throw ApiError.notFound('unknown-blob', `no blob ${id} at member ${this.config.memberName}`);
    return record;
  }

  private async record(blob: { hash: string; size: number; contentType: string; name: string; processId?: string }) {
    const record: BlobRecord = {
      id: randomUUID(),
      ...blob,
      author: this.config.memberName,
      processId: blob.processId ?? null,
      createdAt: nowIso(),
    };
    await writeOnce(this.ds, (em) => em.getRepository(BlobRecord).insert(record));
    const { id, hash, size, contentType, name } = record;
    return { id, hash, size, contentType, name };
  }
}
