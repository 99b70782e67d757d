import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageLimit, PageOffset } from '../../../common/paging.js';

export class ListSubscriptionsDto {
  @ApiPropertyOptional({ maxLength: 64, description: 'Only the subscription of this name' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  name?: string;

  @ApiPropertyOptional({ enum: ['websockets', 'webhooks'] })
  @IsOptional()
  @IsIn(['websockets', 'webhooks'])
  transport?: string;

  @PageLimit()
  limit = 100;

  @PageOffset()
  skip = 0;
}
