import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class CancelProcessDto {
  @ApiPropertyOptional({ maxLength: 1000, description: 'Why; by default "cancelled by <member>"' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}
