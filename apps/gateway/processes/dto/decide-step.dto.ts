import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';

export class DecideStepDto {
  @ApiProperty({ description: 'true approves the step, false rejects it (and rolls the process back)' })
  @IsBoolean()
  approve!: boolean;

  @ApiPropertyOptional({ maxLength: 1000, description: 'Why; a rejection comment becomes the reason of the process' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  comment?: string;
}
