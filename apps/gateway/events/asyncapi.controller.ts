import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { buildAsyncApiDocument } from './asyncapi.js';
import { Public } from '../auth/public.decorator.js';

/** The AsyncAPI document of `/ws`, beside the OpenAPI one at /api/openapi.json. */
@ApiExcludeController()
@Public()
@Controller('api')
export class AsyncApiController {
  private readonly document = buildAsyncApiDocument();

  @Get('asyncapi.json')
  asyncapi() {
    return this.document;
  }
}
