/**
 * The browser half of a voice call (docs/realtime.md#the-browsers-call): the microphone, one
 * RTCPeerConnection with the mic track and the `oai-events` data channel, and the offer → server → answer
 * exchange. The server holds the credentials and creates the upstream call; the browser never sees a key.
 * No React here: useVoiceCall drives it.
 */

export type VoiceErrorKind = 'permission' | 'no-mic' | 'unsupported' | 'negotiation' | 'upstream';

export class VoiceError extends Error {
  constructor(
    readonly kind: VoiceErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export const VOICE_MESSAGES = {
  permission: 'Microphone permission was denied, so voice is off. You can still talk to the voice assistant by typing below.',
  noMic: 'No microphone was found, so voice is off. You can still talk to the voice assistant by typing below.',
  unsupported: 'This browser cannot make voice calls (no WebRTC).',
} as const;

export interface VoicePeer {
  pc: RTCPeerConnection;
  mic: MediaStream;
  micTrack: MediaStreamTrack;
  sender: RTCRtpSender;
  channel: RTCDataChannel;
  /** Resolves with the remote audio stream once its track arrives. */
  remote: Promise<MediaStream>;
  /** Stops every track, closes the channel and the peer; idempotent. */
  close(): void;
}

/** A `voice:<phase>` performance mark: where the time of a call's start goes (the bench reads them). */
export function mark(phase: string): void {
  try {
    performance.mark(`voice:${phase}`);
  } catch {
    // no User Timing here
  }
}

/** Asks for the microphone with the processing a voice call wants; maps failures to what a person understands. */
export async function openMicrophone(): Promise<MediaStream> {
  if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia) throw new VoiceError('no-mic', VOICE_MESSAGES.noMic);
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
  } catch (err) {
    const name = err instanceof DOMException ? err.name : '';
    if (name === 'NotAllowedError' || name === 'SecurityError') throw new VoiceError('permission', VOICE_MESSAGES.permission);
    if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') throw new VoiceError('no-mic', VOICE_MESSAGES.noMic);
    throw new VoiceError('no-mic', `${VOICE_MESSAGES.noMic} (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Resolves when ICE gathering is complete, or `settleMs` after the first UDP host candidate, or after
 * `timeoutMs`. The calls endpoint takes one offer (no trickle), so the offer must carry candidates; host
 * candidates are what an ICE-lite upstream needs (it learns the browser's public address from its checks),
 * so waiting for the slower TCP and extra-interface candidates would only delay the call.
 */
function gathered(pc: RTCPeerConnection, timeoutMs: number, settleMs = 30): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    let settle: ReturnType<typeof setTimeout> | null = null;
    const done = () => {
      clearTimeout(timer);
      if (settle) clearTimeout(settle);
      pc.removeEventListener('icegatheringstatechange', check);
      pc.removeEventListener('icecandidate', onCandidate);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const onCandidate = (e: RTCPeerConnectionIceEvent) => {
      if (!e.candidate) return done();
      if (settle === null && e.candidate.protocol === 'udp') settle = setTimeout(done, settleMs);
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
    pc.addEventListener('icecandidate', onCandidate);
  });
}

/**
 * Opens the microphone and the peer, sends the offer through `exchange` (the server creates the upstream
 * call and answers its SDP) and applies the answer. On any failure everything opened is closed again.
 */
export async function voiceHandshake(opts: {
  exchange: (offerSdp: string) => Promise<string>;
  mic?: MediaStream;
  signal?: AbortSignal;
  gatherTimeoutMs?: number;
}): Promise<VoicePeer> {
  if (typeof RTCPeerConnection === 'undefined') throw new VoiceError('unsupported', VOICE_MESSAGES.unsupported);
  const mic = opts.mic ?? (await openMicrophone());
  const micTrack = mic.getAudioTracks()[0];
  if (!micTrack) {
    for (const t of mic.getTracks()) t.stop();
    throw new VoiceError('no-mic', VOICE_MESSAGES.noMic);
  }
  const pc = new RTCPeerConnection();
  let closed = false;
  let resolveRemote: (s: MediaStream) => void = () => {};
  const remote = new Promise<MediaStream>((r) => (resolveRemote = r));
  const onTrack = (e: RTCTrackEvent) => resolveRemote(e.streams[0] ?? new MediaStream([e.track]));
  pc.addEventListener('track', onTrack);
  const sender = pc.addTrack(micTrack, mic);
  const channel = pc.createDataChannel('oai-events');
  const close = () => {
    if (closed) return;
    closed = true;
    pc.removeEventListener('track', onTrack);
    for (const t of mic.getTracks()) t.stop();
    for (const r of pc.getReceivers()) r.track?.stop();
    try {
      channel.close();
    } catch {
      // already closing
    }
    pc.close();
  };
  const onAbort = () => close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await pc.setLocalDescription(await pc.createOffer());
    mark('offer');
    await gathered(pc, opts.gatherTimeoutMs ?? 1500);
    mark('gathered');
    const offer = pc.localDescription?.sdp;
    if (!offer) throw new VoiceError('negotiation', 'the browser produced no SDP offer');
    const answer = await opts.exchange(offer);
    mark('answer');
    if (closed) throw new VoiceError('negotiation', 'the call was cancelled');
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    return { pc, mic, micTrack, sender, channel, remote, close };
  } catch (err) {
    close();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** Seconds of remote audio the browser has played out so far (inbound-rtp totalSamplesDuration), or null. */
export async function playedSeconds(pc: RTCPeerConnection): Promise<number | null> {
  try {
    const stats = await pc.getStats();
    let seconds: number | null = null;
    stats.forEach((s: { type?: string; kind?: string; totalSamplesDuration?: number }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio' && typeof s.totalSamplesDuration === 'number') seconds = s.totalSamplesDuration;
    });
    return seconds;
  } catch {
    return null;
  }
}

/** Packet counters of the call, both ways (tests and the bench read them too). */
export async function rtpCounters(pc: RTCPeerConnection): Promise<{ inbound: number; outbound: number }> {
  const out = { inbound: 0, outbound: 0 };
  const stats = await pc.getStats();
  stats.forEach((s: { type?: string; kind?: string; packetsReceived?: number; packetsSent?: number }) => {
    if (s.kind !== 'audio') return;
    if (s.type === 'inbound-rtp') out.inbound += s.packetsReceived ?? 0;
    if (s.type === 'outbound-rtp') out.outbound += s.packetsSent ?? 0;
  });
  return out;
}

/** Resolves when the first remote audio packet arrived (a remote track is muted until then). */
export function firstAudio(stream: MediaStream, signal: AbortSignal, timeoutMs = 20_000): Promise<void> {
  const track = stream.getAudioTracks()[0];
  if (!track || !track.muted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new VoiceError('negotiation', 'No audio arrived from the voice service.')), timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      track.removeEventListener('unmute', onUnmute);
      if (err) reject(err);
      else resolve();
    };
    const onUnmute = () => done();
    track.addEventListener('unmute', onUnmute);
    signal.addEventListener('abort', () => done(new VoiceError('negotiation', 'the call was cancelled')), { once: true });
  });
}

/** Resolves once the peer is connected (ICE and DTLS); rejects if it fails first. */
export function connected(pc: RTCPeerConnection, signal: AbortSignal, timeoutMs = 20_000): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new VoiceError('negotiation', 'The call could not connect (no network path to the voice service).')), timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', check);
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      if (pc.connectionState === 'connected') done();
      else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') done(new VoiceError('negotiation', 'The call could not connect (no network path to the voice service).'));
    };
    pc.addEventListener('connectionstatechange', check);
    signal.addEventListener('abort', () => done(new VoiceError('negotiation', 'the call was cancelled')), { once: true });
  });
}
