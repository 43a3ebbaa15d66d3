/** The microphone's level (RMS of the waveform, 0–1) for the call panel's meter, read on demand. */
export class LevelMeter {
  private constructor(
    private readonly ctx: AudioContext,
    private readonly analyser: AnalyserNode,
    private readonly buf: Uint8Array<ArrayBuffer>,
  ) {}

  /** Null where Web Audio is unavailable: the call goes on without a meter. */
  static open(stream: MediaStream): LevelMeter | null {
    try {
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 512;
      ctx.createMediaStreamSource(stream).connect(analyser);
      return new LevelMeter(ctx, analyser, new Uint8Array(new ArrayBuffer(analyser.fftSize)));
    } catch {
      return null;
    }
  }

  level(): number {
    this.analyser.getByteTimeDomainData(this.buf);
    let sum = 0;
    for (const v of this.buf) sum += ((v - 128) / 128) ** 2;
    return Math.min(1, Math.sqrt(sum / this.buf.length) * 4);
  }

  close(): void {
    void this.ctx.close().catch(() => {});
  }
}
