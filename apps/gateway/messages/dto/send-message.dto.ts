import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';

export class SendMessageDto {
  @ApiPropertyOptional({ description: 'Client-chosen id (uuid): sending the same id again is idempotent' })
  @IsOptional()
  @IsUUID()
  id?: string;

  @ApiProperty({ format: 'uuid', description: 'The process whose participants may receive it' })
  @IsUUID()
  processId!: string;

  @ApiProperty({ description: 'Only false: pinned messages travel as step outcomes' })
  @IsBoolean()
  pinned!: boolean;

  @ApiProperty({ description: 'Any JSON, up to MAX_BODY_BYTES' }) @IsDefined() data!: unknown;

  @ApiPropertyOptional({ description: 'Member names; by default every other participant of the process' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  to?: string[];
}

export class ListMessagesDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only the messages of this process' })
  @IsOptional()
  @IsUUID()
  processId?: string;
}
