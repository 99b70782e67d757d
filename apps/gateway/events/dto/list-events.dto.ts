import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class ListEventsDto {
  @ApiPropertyOptional({ default: 0, minimum: 0, description: 'Only events with a larger sequence number' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after = 0;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;

  @ApiPropertyOptional({ maxLength: 64, description: 'Only the events of this process (its id)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  reference?: string;

  @ApiPropertyOptional({ default: 0, minimum: 0, description: 'Skip this many matching events first' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  skip = 0;

  @ApiPropertyOptional({ maxLength: 64, description: 'Alias of reference' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  processId?: string;

  @ApiPropertyOptional({ maxLength: 50, description: 'Only events of this type (exact)' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  type?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Only events of this topic (exact)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  topic?: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'Only events of processes of this type (exact)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  processType?: string;

  @ApiPropertyOptional({
    maxLength: 100,
    description: 'Only events of this author (exact; a member name, or an account for batch-pinned)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  author?: string;
}
