import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { MemberSignature } from '../../shared/exchange/signing.js';
import { ApiErrors } from '../common/api-docs.js';
import { SignedBy } from './member-signature.decorator.js';
import { NetworkService } from './network.service.js';
import { Public } from '../auth/public.decorator.js';
import { MemberRoute } from '../limits/member-route.decorator.js';

@ApiTags('network')
@ApiErrors(500)
@Controller('api/v1/network')
export class NetworkController {
  constructor(private readonly network: NetworkService) {}

  @Get('members')
  @ApiOperation({ summary: 'The members registered in the Sequencer' })
  members() {
    return this.network.members();
  }

  /** Member-to-member delivery of private messages (signed; not for apps). */
  @Public() // member-to-member: carries a member signature instead
  @MemberRoute()
  @Post('messages')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  receive(@Req() req: Request & { rawBody?: Buffer }, @SignedBy() signed: MemberSignature) {
    return this.network.receive({ ...signed, rawBody: req.rawBody });
  }

  /** Member-to-member push of a blob a message refers to: raw bytes, signed over hash, size and metadata. */
  @Public() // member-to-member: carries a member signature instead
  @MemberRoute()
  @Post('blobs/:hash')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  receiveBlob(@Param('hash') hash: string, @Req() req: Request, @SignedBy() signed: MemberSignature) {
    return this.network.receiveBlob(hash, { ...signed, request: req });
  }

  /** A member rebuilding its data asks for the private messages of processes it takes part in (signed; not for apps). */
  @MemberRoute()
  @Post('data-requests')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  serveData(@Req() req: Request & { rawBody?: Buffer }, @SignedBy() signed: MemberSignature) {
    return this.network.serveData({ ...signed, rawBody: req.rawBody });
  }

  /** The same for a blob such a message refers to: answers the bytes (signed; not for apps). */
  @MemberRoute()
  @Post('data-requests/blob')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  serveBlob(
    @Req() req: Request & { rawBody?: Buffer },
    @Res({ passthrough: true }) res: Response,
    @SignedBy() signed: MemberSignature,
  ) {
    return this.network.serveBlob({ ...signed, rawBody: req.rawBody }, res);
  }

  /** Member-to-member delivery of unpinned private messages (signed; not for apps). */
  @Public() // member-to-member: carries a member signature instead
  @MemberRoute()
  @Post('private-messages')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  receiveNote(@Req() req: Request & { rawBody?: Buffer }, @SignedBy() signed: MemberSignature) {
    return this.network.receiveNote({ ...signed, rawBody: req.rawBody });
  }
}
