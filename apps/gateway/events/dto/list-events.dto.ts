import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageLimit, PageOffset } from '../../common/paging.js';

export class ListEventsDto {
  @PageOffset('Only events with a larger sequence number')
  after = 0;

  @PageLimit()
  limit = 100;

  @ApiPropertyOptional({ maxLength: 64, description: 'Only the events of this process (its id)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  reference?: string;

  @PageOffset('Skip this many matching events first')
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
