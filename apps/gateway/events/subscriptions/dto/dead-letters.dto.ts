import { PageLimit, PageOffset } from '../../../common/paging.js';

/** A page of a subscription's dead letters, in the order of their events. */
export class DeadLettersDto {
  @PageOffset('Only dead letters of events with a larger sequence number')
  after = 0;

  @PageLimit()
  limit = 100;
}
