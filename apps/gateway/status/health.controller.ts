import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  Res,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import type { MemberConfig } from '../../shared/config.js';
import { EventLoopStalls } from '../../shared/event-loop-stalls.js';
import { StatusController } from './status.controller.js';
import { Public } from '../auth/public.decorator.js';
import { CONFIG } from '../core/tokens.js';

/**
 * Probes for an orchestrator, not for apps: `/healthz` (liveness: the
 * process serves and its event loop has not stalled lately, see
 * EventLoopStalls; 503 with the stall otherwise) and `/readyz` (ready
 * exactly when `/api/v1/status` says so; 503 with its checks otherwise).
 * Not rate limited: an orchestrator would read a 429 as a failed probe and
 * restart a gateway that serves.
 */
@ApiExcludeController()
@SkipThrottle()
@Public()
@Controller()
export class HealthController implements OnApplicationBootstrap, OnApplicationShutdown {
  private stalls?: EventLoopStalls;

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(CONFIG) private readonly config: MemberConfig,
  ) {}

  /** Watched once started: the gateway's start (migrations, modules) may block its loop a while. */
  onApplicationBootstrap(): void {
    const { healthStallMs: stallMs, healthStallWindowMs: windowMs } = this.config;
    this.stalls = EventLoopStalls.start({ stallMs, windowMs });
  }

  @Get('healthz')
  healthz(@Res() res: Response): void {
    const { httpStatus, body } = this.stalls!.liveness();
    res.status(httpStatus).json(body);
  }

  @Get('readyz')
  async readyz(@Res() res: Response): Promise<void> {
    const { ready, checks } = await this.moduleRef.get(StatusController, { strict: false }).status();
    res
      .status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .json({ status: ready ? 'ready' : 'not-ready', checks });
  }

  onApplicationShutdown(): void {
    this.stalls?.stop();
  }
}
