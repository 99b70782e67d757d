import { PageLimit, PageOffset } from '../../../common/paging.js';

export class SubscriptionHistoryDto {
  @PageOffset('Only events with a larger sequence number')
  after = 0;

  @PageLimit()
  limit = 100;
}
