import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { commitIncoming, incomingPath } from '../../shared/exchange/blob-store.js';

/** The part of a multer file the engine sees and fills in. */
export interface IncomingFile {
  originalname: string;
  mimetype: string;
  stream: Readable & { truncated?: boolean };
}

export interface StoredFile {
  hash: string;
  size: number;
}

/**
 * A multer storage engine that streams an upload into the blob folder while
 * hashing it, then names the file by its hash: large uploads never sit in
 * memory, and the client's file name never reaches the file system.
 */
export class BlobStorageEngine {
  constructor(private readonly dir: string) {}

  _handleFile(_req: Request, file: IncomingFile, done: (err: Error | null, info?: StoredFile) => void): void {
    this.store(file).then(
      (info) => done(null, info),
      (err: Error) => done(err),
    );
  }

  _removeFile(_req: Request, _file: unknown, done: (err: Error | null) => void): void {
    // Files are shared by hash and kept only when complete: nothing to undo.
    done(null);
  }

  private async store(file: IncomingFile): Promise<StoredFile> {
    const incoming = await incomingPath(this.dir);
    const sha = createHash('sha256');
    let size = 0;
    file.stream.on('data', (chunk: Buffer) => {
      sha.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(file.stream, createWriteStream(incoming));
      // Over the size limit busboy cuts the stream short; multer then reports the error.
      if (file.stream.truncated) throw new Error('blob over the size limit');
      const hash = `0x${sha.digest('hex')}`;
      await commitIncoming(this.dir, incoming, hash);
      return { hash, size };
    } catch (err) {
      await rm(incoming, { force: true });
      throw err;
    }
  }
}
