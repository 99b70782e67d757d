import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';

/** The browser dashboard served at `/` by every gateway. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
