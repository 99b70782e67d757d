import { ValidationPipe } from '@nestjs/common';

/**
 * The one validation pipe of the gateway: unknown properties are refused (not
 * silently dropped), query strings are converted to the declared types, and
 * every failed constraint is reported, not just the first.
 */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false });
}
