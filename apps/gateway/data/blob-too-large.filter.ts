import { Catch, PayloadTooLargeException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

/** Multer reports an oversized upload as a bare 413; apps get the stable code `blob-too-large`. */
@Catch(PayloadTooLargeException)
export class BlobTooLargeFilter implements ExceptionFilter {
  catch(_exception: PayloadTooLargeException, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(413)
      .json({ error: { code: 'blob-too-large', message: 'the blob is larger than MAX_BLOB_BYTES allows' } });
  }
}
