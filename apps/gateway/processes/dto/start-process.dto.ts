import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class StartProcessDto {
  @ApiProperty({ example: 'trade-settlement', description: 'A process type from GET /api/v1/process-types' })
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z0-9][a-z0-9-]*$/, { message: 'type must be a process type name (lowercase letters, digits, dashes)' })
  type!: string;

  @ApiProperty({
    example: { item: 'steel', quantity: 10, amount: 500 },
    description: "Input checked by the process type's schema",
  })
  @IsDefined()
  input!: unknown;

  @ApiPropertyOptional({
    example: { buyer: 'buyer', seller: 'seller', bank: 'bank' },
    description: 'role -> member name; by default each role is played by the member of the same name',
  })
  @IsOptional()
  @IsObject()
  participants?: Record<string, string>;
}
