import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { projectPath } from '../../shared/paths.js';
import { ApiError } from '../common/api-error.js';
import { Public } from '../auth/public.decorator.js';

/** Served from the source folder (found from the project root), so the build copies nothing. */
const PUBLIC_DIR = projectPath('apps', 'gateway', 'dashboard', 'public');

/** The only files the dashboard serves: no path from the URL ever reaches the file system. */
const ASSETS = new Set(['dashboard.css', 'lanes.css', 'dashboard.js', 'api.js', 'render.js']);

/** The live network dashboard at `/`: static HTML, CSS and ES modules over the gateway's own API. */
@ApiExcludeController()
@Public()
@Controller()
export class DashboardController {
  @Get()
  @Header('Cache-Control', 'no-cache')
  index(@Res() res: Response): void {
    res.sendFile('index.html', { root: PUBLIC_DIR });
  }

  @Get('dashboard/:file')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('file') file: string, @Res() res: Response): void {
    if (!ASSETS.has(file)) throw ApiError.notFound('unknown-asset', `no dashboard file "${file}"`);
    res.sendFile(file, { root: PUBLIC_DIR });
  }
}
