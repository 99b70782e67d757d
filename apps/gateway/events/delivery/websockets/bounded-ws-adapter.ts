import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';

/**
 * Nest's `ws` adapter with a bound on a client's frames (WS_MAX_FRAME_BYTES):
 * `ws` refuses a larger frame as it arrives, closing the connection with 1009,
 * before buffering it (its own default lets one frame grow to 100 MiB). The
 * bound is a setting, so it is given here rather than in @WebSocketGateway.
 */
export class BoundedWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly maxFrameBytes: number,
  ) {
    super(app);
  }

  override create(port: number, options?: Parameters<WsAdapter['create']>[1]): ReturnType<WsAdapter['create']> {
    return super.create(port, { ...options, maxPayload: this.maxFrameBytes });
  }
}
