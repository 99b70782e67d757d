import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { StatusController } from './status.controller.js';
import { Public } from '../auth/public.decorator.js';

/**
 * Probes for an orchestrator, not for apps: `/healthz` (liveness: the
 * process serves) and `/readyz` (ready exactly when `/api/v1/status` says so;
 * 503 with its checks otherwise). Not rate limited: an orchestrator would
 * read a 429 as a failed probe and restart a gateway that serves.
 */
@ApiExcludeController()
@SkipThrottle()
@Public()
@Controller()
export class HealthController {
  constructor(private readonly moduleRef: ModuleRef) {}

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() res: Response): Promise<void> {
    const { ready, checks } = await this.moduleRef.get(StatusController, { strict: false }).status();
    res
      .status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .json({ status: ready ? 'ready' : 'not-ready', checks });
  }
}
