// Over 400 lines on purpose: the calls endpoint, the WebRTC peer, the sideband and the control routes share one call record.
/**
 * A fake OpenAI realtime upstream for WebRTC calls, on 127.0.0.1, speaking the real formats
 * (docs/realtime.md#webrtc-call-creation, #sideband-join): one HTTP server that
 *   - answers `POST /v1/realtime/calls` (multipart: the browser's offer + the session) with the SDP answer of a
 *     real WebRTC peer running here in Node (werift), and `Location: /v1/realtime/calls/rtc_fake_<n>`;
 *   - accepts the sideband WebSocket on `/v1/realtime?call_id=rtc_fake_<n>`, records what the server sends
 *     and sends what a test scripts;
 *   - proxies every other request to the mock Responses server (`forwardTo`), so one provider base_url serves both.
 *
 * The peer plays audio back: Opus silence frames until it has heard about a second of the browser's
 * microphone, then that recording in a loop (real Opus, so the browser decodes real sound). It counts RTP
 * both ways. When the sideband closes, the call ends and the peer closes, as a real call does when its
 * controller leaves.
 *
 *   const up = await startWebrtcUpstream({ forwardTo: mock.origin });
 *   up.url              // provider base_url (…/v1); up.wsUrl for experimental_realtime_ws_base_url
 *   up.calls[0].offerSdp, up.calls[0].sideband, up.sendSideband(callId, frame)
 *
 * As a process (e2e): `node --import tsx testkit/webrtc-upstream.ts FORWARD_TO [PORT]` prints its origin;
 * tests drive it through `/__fake/*` (see `controlRoutes`).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, type RTCDataChannel, type RTCRtpTransceiver } from 'werift';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeCall {
  callId: string;
  /** The multipart body exactly as received. */
  rawBody: string;
  contentType: string;
  offerSdp: string;
  answerSdp: string;
  session: Record<string, unknown> | null;
  createdAt: number;
  /** RTP packets received from the browser (microphone) and sent to it. */
  inboundPackets: number;
  outboundPackets: number;
  /** performance.now() of the first inbound RTP packet. */
  firstInboundAt: number | null;
  connectionState: string;
  dataChannelOpen: boolean;
  /** Text frames the server sent on the sideband (parsed). */
  sideband: Record<string, unknown>[];
  sidebandState: 'none' | 'open' | 'closed';
  /** Data-channel messages the browser sent. */
  dataChannelIn: string[];
  ended: boolean;
}

interface LiveCall {
  info: FakeCall;
  pc: RTCPeerConnection;
  transceiver: RTCRtpTransceiver;
  channel: RTCDataChannel | null;
  socket: WebSocket | null;
  timer: NodeJS.Timeout | null;
  recording: Buffer[];
  /** dropMedia(): the peer is gone but the call (its sideband) goes on. */
  mediaDropped?: boolean;
}

export interface WebrtcUpstream {
  /** Provider base_url: http://127.0.0.1:PORT/v1 */
  url: string;
  origin: string;
  /** ws://127.0.0.1:PORT (experimental_realtime_ws_base_url). */
  wsUrl: string;
  calls: FakeCall[];
  /** Next call-create replies with this status and body instead (e.g. 503 for "upstream busy"); once. */
  failNext: { status: number; body: string } | null;
  sendSideband(callId: string, frame: Record<string, unknown>): void;
  sendDataChannel(callId: string, frame: Record<string, unknown>): void;
  /** Closes the call's sideband from the upstream side (the call ends). */
  hangUp(callId: string): void;
  /** The media path goes away (the peer closes) while the sideband stays: a network loss as the browser sees it. */
  dropMedia(callId: string): void;
  /** Called with each sideband frame the server sends (bench timing). */
  onSideband: ((callId: string, frame: Record<string, unknown>, at: number) => void) | null;
  close(): Promise<void>;
}

/** Opus "silence" frame (TOC 0xf8: CELT fullband 20 ms, mono) as browsers send in DTX. */
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const FRAME_MS = 20;
/** Frames of microphone audio recorded before playback switches from silence to the recording. */
const RECORD_FRAMES = 50;

function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) req.destroy(new Error('body too large'));
      else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** The parts of a multipart/form-data body by name (the calls endpoint's two parts). */
export function multipartParts(body: string, contentType: string): Record<string, string> {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (!boundary) return {};
  const out: Record<string, string> = {};
  for (const chunk of body.split(`--${boundary}`)) {
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const name = /name="([^"]+)"/.exec(chunk.slice(0, headerEnd))?.[1];
    if (!name) continue;
    out[name] = chunk.slice(headerEnd + 4).replace(/\r\n$/, '');
  }
  return out;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

export async function startWebrtcUpstream(opts: { forwardTo?: string; port?: number } = {}): Promise<WebrtcUpstream> {
  const live = new Map<string, LiveCall>();
  const calls: FakeCall[] = [];
  let counter = 0;

  function endCall(call: LiveCall): void {
    if (call.info.ended) return;
    call.info.ended = true;
    if (call.timer) clearInterval(call.timer);
    call.timer = null;
    if (call.socket && call.socket.readyState === call.socket.OPEN) call.socket.close(1000, 'call ended');
    void call.pc.close().catch(() => {});
  }

  async function createCall(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = (await readBody(req)).toString('utf8');
    const contentType = req.headers['content-type'] ?? '';
    if (upstream.failNext) {
      const { status, body } = upstream.failNext;
      upstream.failNext = null;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const parts = multipartParts(raw, contentType);
    const offerSdp = parts.sdp ?? '';
    let session: Record<string, unknown> | null = null;
    try {
      session = parts.session ? (JSON.parse(parts.session) as Record<string, unknown>) : null;
    } catch {
      session = null;
    }
    if (!offerSdp.startsWith('v=0')) return json(res, 400, { error: { message: 'the sdp part is not an SDP offer' } });
    counter += 1;
    const callId = `rtc_fake_${counter}`;
    const pc = new RTCPeerConnection({
      codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })] },
    });
    const info: FakeCall = {
      callId,
      rawBody: raw,
      contentType,
      offerSdp,
      answerSdp: '',
      session,
      createdAt: Date.now(),
      inboundPackets: 0,
      outboundPackets: 0,
      firstInboundAt: null,
      connectionState: 'new',
      dataChannelOpen: false,
      sideband: [],
      sidebandState: 'none',
      dataChannelIn: [],
      ended: false,
    };
    const call: LiveCall = { info, pc, transceiver: null as unknown as RTCRtpTransceiver, channel: null, socket: null, timer: null, recording: [] };
    pc.connectionStateChange.subscribe((state) => {
      info.connectionState = state;
      if (state === 'connected') startPlayback(call);
      if ((state === 'failed' || state === 'closed') && !call.mediaDropped) endCall(call);
    });
    pc.onDataChannel.subscribe((channel) => {
      call.channel = channel;
      channel.stateChanged.subscribe((s) => (info.dataChannelOpen = s === 'open'));
      if (channel.readyState === 'open') info.dataChannelOpen = true;
      channel.onMessage.subscribe((m) => info.dataChannelIn.push(typeof m === 'string' ? m : m.toString('utf8')));
    });
    pc.onTransceiverAdded.subscribe((t) => {
      call.transceiver = t;
      t.onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe((rtp) => {
          info.inboundPackets += 1;
          info.firstInboundAt ??= performance.now();
          if (call.recording.length < RECORD_FRAMES && rtp.payload.length > OPUS_SILENCE.length) call.recording.push(Buffer.from(rtp.payload));
        });
      });
    });
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    for (const t of pc.getTransceivers()) {
      if (t.kind === 'audio') {
        t.setDirection('sendrecv');
        call.transceiver = t;
      }
    }
    await pc.setLocalDescription(await pc.createAnswer());
    await waitForGathering(pc);
    info.answerSdp = pc.localDescription?.sdp ?? '';
    calls.push(info);
    live.set(callId, call);
    res.writeHead(201, { 'content-type': 'application/sdp', location: `/v1/realtime/calls/${callId}` }).end(info.answerSdp);
  }

  function startPlayback(call: LiveCall): void {
    if (call.timer || call.info.ended) return;
    const pt = call.transceiver.codecs.find((c) => c.mimeType.toLowerCase() === 'audio/opus')?.payloadType ?? 111;
    let seq = Math.floor(Math.random() * 0xffff);
    let ts = Math.floor(Math.random() * 0xffffffff);
    let loop = 0;
    const sendFrame = () => {
      const payload = call.recording.length >= RECORD_FRAMES ? call.recording[loop++ % call.recording.length]! : OPUS_SILENCE;
      seq = (seq + 1) & 0xffff;
      ts = (ts + 960) >>> 0;
      const packet = new RtpPacket(new RtpHeader({ payloadType: pt, sequenceNumber: seq, timestamp: ts, marker: false }), payload);
      call.transceiver.sender
        .sendRtp(packet)
        .then(() => (call.info.outboundPackets += 1))
        .catch(() => {});
    };
    sendFrame();
    call.timer = setInterval(sendFrame, FRAME_MS);
  }

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  function socketOnlyCall(url: URL): LiveCall {
    counter += 1;
    const info: FakeCall = {
      callId: `ws_fake_${counter}`,
      rawBody: '',
      contentType: '',
      offerSdp: '',
      answerSdp: '',
      session: { model: url.searchParams.get('model') },
      createdAt: Date.now(),
      inboundPackets: 0,
      outboundPackets: 0,
      firstInboundAt: null,
      connectionState: 'none',
      dataChannelOpen: false,
      sideband: [],
      sidebandState: 'none',
      dataChannelIn: [],
      ended: false,
    };
    const call: LiveCall = { info, pc: new RTCPeerConnection({}), transceiver: null as unknown as RTCRtpTransceiver, channel: null, socket: null, timer: null, recording: [] };
    calls.push(info);
    live.set(info.callId, call);
    return call;
  }

  const upstream: WebrtcUpstream = {
    url: '',
    origin: '',
    wsUrl: '',
    calls,
    failNext: null,
    onSideband: null,
    sendSideband: (callId, frame) => {
      const socket = live.get(callId)?.socket;
      if (!socket) throw new Error(`fake upstream: no sideband for ${callId}`);
      socket.send(JSON.stringify(frame));
    },
    sendDataChannel: (callId, frame) => {
      const channel = live.get(callId)?.channel;
      if (!channel) throw new Error(`fake upstream: no data channel for ${callId}`);
      channel.send(JSON.stringify(frame));
    },
    hangUp: (callId) => {
      const call = live.get(callId);
      if (call) endCall(call);
    },
    dropMedia: (callId) => {
      const call = live.get(callId);
      if (!call) return;
      call.mediaDropped = true;
      if (call.timer) clearInterval(call.timer);
      call.timer = null;
      void call.pc.close().catch(() => {});
    },
    close: async () => {
      for (const call of live.values()) endCall(call);
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
    },
  };

  async function control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const m = /^\/__fake\/calls(?:\/([^/]+)\/(sideband|datachannel|hangup|drop))?$/.exec(url.pathname);
    if (!m) return json(res, 404, { error: 'no such control route' });
    if (!m[1]) {
      if (req.method === 'GET') return json(res, 200, calls);
      if (req.method === 'POST' && url.searchParams.get('failNext')) {
        upstream.failNext = { status: Number(url.searchParams.get('failNext')), body: '{"error":{"message":"busy"}}' };
        return json(res, 200, { ok: true });
      }
      return json(res, 405, { error: 'method' });
    }
    const [, callId, action] = m;
    try {
      if (action === 'hangup') upstream.hangUp(callId!);
      else if (action === 'drop') upstream.dropMedia(callId!);
      else {
        const frame = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
        if (action === 'sideband') upstream.sendSideband(callId!, frame);
        else upstream.sendDataChannel(callId!, frame);
      }
      json(res, 200, { ok: true });
    } catch (err) {
      json(res, 409, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/v1/realtime/calls') {
      createCall(req, res).catch((err: unknown) => json(res, 500, { error: { message: String(err) } }));
      return;
    }
    if (url.pathname.startsWith('/__fake/')) {
      void control(req, res, url);
      return;
    }
    if (!opts.forwardTo) return json(res, 404, { error: 'fake realtime upstream: no route' });
    const target = new URL(req.url ?? '/', opts.forwardTo);
    const up = httpRequest(target, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const callIdParam = url.searchParams.get('call_id');
    // No call_id: a WebSocket session (the text-only fallback), recorded like a call without media.
    const call = callIdParam === null && url.pathname === '/v1/realtime' ? socketOnlyCall(url) : live.get(callIdParam ?? '');
    if (url.pathname !== '/v1/realtime' || !call || call.info.ended) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      call.socket = ws;
      call.info.sidebandState = 'open';
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const at = performance.now();
        try {
          const frame = JSON.parse(data.toString()) as Record<string, unknown>;
          call.info.sideband.push(frame);
          upstream.onSideband?.(call.info.callId, frame, at);
        } catch {
          call.info.sideband.push({ unparsable: data.toString() });
        }
      });
      ws.on('close', () => {
        call.info.sidebandState = 'closed';
        endCall(call);
      });
      ws.on('error', () => {});
      ws.send(JSON.stringify({ type: 'session.updated', session: { id: `sess_${call.info.callId}` } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('fake webrtc upstream has no address');
  upstream.origin = `http://127.0.0.1:${addr.port}`;
  upstream.url = `${upstream.origin}/v1`;
  upstream.wsUrl = `ws://127.0.0.1:${addr.port}`;
  return upstream;
}

function waitForGathering(pc: RTCPeerConnection, timeoutMs = 3000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [forwardTo, port] = process.argv.slice(2);
  startWebrtcUpstream({ forwardTo, port: port ? Number(port) : 0 })
    .then((up) => {
      console.log(up.origin);
      const stop = (): void => void up.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
