import {
  Body,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
  StreamableFile,
  UploadedFile,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors } from '../common/api-docs.js';
import { ApiError } from '../common/api-error.js';
import type { IncomingFile, StoredFile } from './blob-storage.engine.js';
import { BlobTooLargeFilter } from './blob-too-large.filter.js';
import { attachment } from './content-disposition.js';
import { DataService } from './data.service.js';
import { UploadDataDto } from './dto/upload-data.dto.js';

@ApiTags('data')
@ApiErrors(400, 401, 403, 500)
@Controller('api/v1/data')
export class DataController {
  constructor(private readonly data: DataService) {}

  @Post()
  @ApiResponse({ status: 201, description: "Stored: the blob's metadata" })
  @ApiErrors(413)
  @UseFilters(BlobTooLargeFilter)
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiOperation({
    summary: 'Store a blob (multipart field `file`) or JSON data (`{ value }`); refer to it as { blob: { id, hash } }',
  })
  upload(@Req() req: Request, @Body() body: UploadDataDto, @UploadedFile() file?: IncomingFile & StoredFile) {
    if (req.is('multipart/form-data')) {
      if (!file) throw ApiError.badRequest('missing-file', 'a multipart upload needs the file in the field "file"');
      if (body.value !== undefined) throw ApiError.badRequest('invalid-request', 'send either a file or a value');
      return this.data.recordUpload(file, body);
    }
    if (body.value === undefined)
      throw ApiError.badRequest('missing-value', 'send multipart/form-data with a file, or JSON { "value": ... }');
    return this.data.storeJson(body.value, body);
  }

  @Get(':id')
  @ApiResponse({ status: 200, description: 'The metadata' })
  @ApiErrors(404)
  @ApiOperation({ summary: "A blob's metadata" })
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.data.get(id);
  }

  @Get(':id/blob')
  @ApiResponse({ status: 200, description: 'The bytes, as an attachment' })
  @ApiErrors(404)
  @ApiOperation({ summary: "A blob's bytes" })
  async download(@Param('id', new ParseUUIDPipe()) id: string, @Res({ passthrough: true }) res: Response) {
    const { record, stream } = await this.data.open(id);
    // Stored types come from uploaders: never let a browser render them in our origin.
    res.setHeader('x-content-type-options', 'nosniff');
    return new StreamableFile(stream, {
      type: record.contentType,
      length: record.size,
      disposition: attachment(record.name),
    });
  }
}
