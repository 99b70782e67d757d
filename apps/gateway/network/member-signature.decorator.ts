import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { memberSignatureOf, type MemberSignature } from '../../shared/exchange/signing.js';

/** The member signature headers of a member-to-member request (checked by NetworkService). */
export const SignedBy = createParamDecorator((_data: unknown, ctx: ExecutionContext): MemberSignature =>
  memberSignatureOf(ctx.switchToHttp().getRequest<Request>().headers),
);
