// Bounded capture of a child's output: the one place that decides which bytes of a stream are kept.

export const DEFAULT_OUTPUT_CAP = 1024 * 1024;

export type OutputStream = 'stdout' | 'stderr';

/** Accepts bytes up to `cap` (Infinity for no cap); with `retain` it also keeps them for text(). */
export class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  /** Some output was dropped because the cap was reached. */
  dropped = false;
  constructor(
    private readonly cap: number,
    private readonly retain = true,
  ) {}

  /** Accepts what fits; returns the accepted part (possibly empty). */
  push(chunk: Buffer): Buffer {
    const room = this.cap - this.size;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, Math.max(0, room));
    if (kept.length < chunk.length) this.dropped = true;
    if (kept.length > 0) {
      if (this.retain) this.chunks.push(kept);
      this.size += kept.length;
    }
    return kept;
  }

  /** The cap is reached: nothing more will be accepted. */
  get full(): boolean {
    return this.size >= this.cap;
  }

  /** The retained bytes as UTF-8 ('' without `retain`). */
  text(): string {
    return this.retain ? Buffer.concat(this.chunks, this.size).toString('utf8') : '';
  }
}
