import { SetMetadata } from '@nestjs/common';

export const MEMBER_ROUTE = 'baton:member-route';

/**
 * Routes of member-to-member exchange (signed by a member, not called by
 * apps): counted per address under RATE_LIMIT_MEMBER_REQUESTS, apart from
 * the anonymous callers of the other public routes.
 */
export const MemberRoute = () => SetMetadata(MEMBER_ROUTE, true);
