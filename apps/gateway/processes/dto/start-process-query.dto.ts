import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

export class StartProcessQueryDto {
  @ApiPropertyOptional({ default: false, description: 'wait for the outcome: 200 when final in time, else 202' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  confirm = false;

  @ApiPropertyOptional({ default: 30_000, maximum: 120_000, description: 'how long confirm=true waits, in ms' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(120_000)
  timeout = 30_000;
}
