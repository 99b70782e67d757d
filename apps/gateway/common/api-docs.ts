import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

/** The body of every error the gateway answers with (see ErrorFilter). */
export class ApiErrorBody {
  @ApiProperty({ example: 'not-found', description: 'Stable code to branch on, e.g. invalid-request, unknown-process' })
  code!: string;

  @ApiProperty({ example: 'no process 6f1c...', description: 'For people; may change' })
  message!: string;

  @ApiPropertyOptional({ description: 'More about the error, e.g. the failed validation constraints' })
  details?: unknown;
}

/** `{ error: { code, message, details? } }`: the one error shape of the API. */
export class ApiErrorResponse {
  @ApiProperty({ type: ApiErrorBody })
  error!: ApiErrorBody;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid (`invalid-request`, `malformed-request` or a specific code)',
  401: 'No valid app credentials (`unauthenticated`, `invalid-token`, `token-expired`) or member signature',
  403: 'The credentials do not allow this (`forbidden`: a read-only app writing)',
  404: 'Not found (a specific code such as `unknown-process`, or `not-found`)',
  409: 'Conflicts with the current state',
  413: 'The body is too large (`payload-too-large`)',
  500: 'The gateway could not complete the request (`internal-error`)',
};

/**
 * Documents error responses with the shared ApiErrorResponse schema; on a
 * controller class it applies to every route.
 *
 * @example
 *   @ApiErrors(400, 404)
 *   @Controller('api/v1/things')
 */
export function ApiErrors(...statuses: number[]): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', type: ApiErrorResponse }),
    ),
  );
}

/**
 * Takes the values out of a served API document that differ between members
 * and deployments (the member name in the title), so documents from any
 * gateway compare equal to the committed ones.
 */
export function normaliseApiDocument<T>(doc: T): T {
  const copy = structuredClone(doc) as { info?: { title?: string } };
  if (copy.info?.title) copy.info.title = copy.info.title.replace(/\(.*\)$/, '(<member>)');
  return copy as T;
}
