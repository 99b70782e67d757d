import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const PROCESS_STATUSES = ['running', 'completed', 'compensating', 'compensated', 'failed'] as const;

export class ListProcessesDto {
  @ApiPropertyOptional({ description: 'Only processes of this type' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string;

  @ApiPropertyOptional({ enum: PROCESS_STATUSES })
  @IsOptional()
  @IsIn(PROCESS_STATUSES)
  status?: (typeof PROCESS_STATUSES)[number];

  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  skip = 0;
}
