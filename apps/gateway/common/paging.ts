import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** A query's `limit`: 1 to 1000, 100 when left out. */
export function PageLimit(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(1000),
  );
}

/** A whole number of at least 0 in a query (`after`, `skip`), 0 when left out. */
export function PageOffset(description?: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ default: 0, minimum: 0, ...(description ? { description } : {}) }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(0),
  );
}
