import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

/**
 * Fields of POST /api/v1/data: JSON `{ value }`, or multipart with the bytes
 * in the file field `file` (and these fields, all optional, beside it).
 */
export class UploadDataDto {
  @ApiPropertyOptional({ description: 'JSON data to store as a blob (application/json requests only)' })
  @IsOptional()
  value?: unknown;

  @ApiPropertyOptional({ description: 'Display name; defaults to the uploaded file name' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  name?: string;

  @ApiPropertyOptional({ description: 'The process the data belongs to, if any' })
  @IsOptional()
  @IsUUID()
  processId?: string;
}
