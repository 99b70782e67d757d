import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'baton:public';

/**
 * Routes any caller may use without app credentials: health, metrics, API
 * documents, the dashboard's static files, and member-to-member exchange
 * (which carries member signatures instead).
 */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
