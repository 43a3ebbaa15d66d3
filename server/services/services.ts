import { APP_SERVER_PROTOCOL_VERSION } from '../protocol/initialize';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DB_FILE_NAME, openDb, type Db } from '../../db/client';
import { GroupCommitWriter } from '../../db/writer';
import type { EffectiveConfig } from '../config/load';
import type { InitializeResponse } from '../protocol/initialize';
import { ACCESS_TOKEN_FILE } from '../auth';
import { type SandboxHardening } from '../engine/exec/sandbox';
import { writeSeccompProgram } from '../engine/exec/seccomp';
import { redactLogSecrets } from '../util/log';
import { packageVersion } from '../util/package-root';
import { isPublicHeader } from './config-read';
import { hiddenStatePaths } from './state-paths';
import { AccountService } from './account-service';
import { CatalogService } from './catalog';
import { CommandExecService } from './command-exec/service';
import { EventHub } from './event-hub';
import { FileSearchService } from './file-search';
import { RealtimeService } from './realtime/service';
import { ThreadService } from './threads/api';
import { ThreadHistory } from './threads/history';
import { ThreadSearchService } from './threads/search';
import { LiveSync } from './import/live-sync';
import { ApprovalBroker } from './turns/approvals';
import { TurnRunner } from './turns/turn-runner';

export interface ServicesOptions {
  home: string;
  config: EffectiveConfig;
  cwd?: string;
  /** Secrets of the transport (serve's access token, app-server's --ws-token-file token), redacted from tool output. */
  secrets?: readonly string[];
  /** The server listens on a port without a token: sandboxed commands get no network (see SandboxHardening). */
  tokenlessListener?: boolean;
  /** Codex homes to import and keep in sync live (absolute paths). */
  codexHomes?: readonly string[];
}

/** Our file in the (hidden) home that holds the compiled seccomp program bwrap loads. */
export const SECCOMP_FILE_NAME = 'codex-web-seccomp.bpf';

/** The service layer both APIs adapt (docs/architecture.md#layers): one DB handle, one hub, one of each service. */
export class Services {
  readonly db: Db;
  readonly dbFile: string;
  readonly writer: GroupCommitWriter;
  readonly hub = new EventHub();
  readonly threads: ThreadService;
  readonly account: AccountService;
  readonly approvals: ApprovalBroker;
  readonly turns: TurnRunner;
  readonly realtime: RealtimeService;
  readonly commandExec: CommandExecService;
  readonly history: ThreadHistory;
  readonly search: ThreadSearchService;
  readonly liveSync: LiveSync | null;
  readonly catalog: CatalogService;
  readonly fileSearch: FileSearchService;
  readonly version = packageVersion();
  readonly hardening: SandboxHardening;

  constructor(readonly options: ServicesOptions) {
    this.dbFile = path.join(options.home, DB_FILE_NAME);
    this.db = openDb(this.dbFile);
    this.writer = new GroupCommitWriter(this.db);
    this.threads = new ThreadService({
      db: this.db,
      writer: this.writer,
      hub: this.hub,
      config: options.config,
      dbFile: this.dbFile,
      cliVersion: this.version,
      defaultCwd: options.cwd ?? process.cwd(),
    });
    this.account = new AccountService(options.home, this.hub, options.config);
    this.history = new ThreadHistory(this.threads, this.hub, this.db);
    this.search = new ThreadSearchService(this.threads, this.db);
    this.catalog = new CatalogService({
      config: options.config,
      defaultCwd: options.cwd ?? process.cwd(),
      apiKey: () => this.account.apiKey(),
      threadCwd: (threadId) => this.threads.read(threadId, false).thread.cwd,
    });
    this.hardening = {
      // Watched Codex homes hold the CLI's credentials and sessions: hidden from commands like ~/.codex.
      hiddenPaths: [...new Set([...hiddenStatePaths(options.home), ...(options.codexHomes ?? []).filter((h) => existsSync(h)).map((h) => realpathSync(h))])],
      seccompFile: writeSeccompProgram(path.join(options.home, SECCOMP_FILE_NAME)),
      envPolicy: options.config.raw.shell_environment_policy ?? {},
      secrets: () => this.secrets(),
      networkAllowed: !options.tokenlessListener,
    };
    redactLogSecrets(() => this.secrets());
    this.fileSearch = new FileSearchService({ defaultCwd: options.cwd ?? process.cwd(), hiddenPaths: () => this.hardening.hiddenPaths });
    this.approvals = new ApprovalBroker((thread, requestId) =>
      thread.emit({ method: 'serverRequest/resolved', params: { threadId: thread.id, requestId } }),
    );
    this.threads.registry.onSubscribe = (thread, subscriber) => this.approvals.offerPending(thread, subscriber);
    this.turns = new TurnRunner(this.threads, this.account, this.approvals, this.hardening);
    this.realtime = new RealtimeService({
      threads: this.threads,
      turns: this.turns,
      account: this.account,
      hub: this.hub,
      config: options.config,
      userAgent: `codex-web/${this.version}`,
    });
    this.liveSync = options.codexHomes && options.codexHomes.length > 0 ? new LiveSync({ db: this.db, homes: [...options.codexHomes], threads: this.threads, hub: this.hub }) : null;
    this.threads.isExternallyWritten = (id) => this.liveSync?.isBeingWritten(id) ?? false;
    this.liveSync?.start();
    this.commandExec = new CommandExecService({
      defaultCwd: options.cwd ?? process.cwd(),
      defaultPolicy: () => this.threads.sandboxPolicy(options.config.sandboxMode),
      hardening: this.hardening,
    });
  }

  /** Every secret value this server holds right now: never to appear in tool output or a model request. */
  secrets(): string[] {
    const provider = this.options.config.modelProvider;
    const out = [...(this.options.secrets ?? [])];
    // serve's token, also when this process is an app-server on the same home.
    const tokenFile = path.join(this.options.home, ACCESS_TOKEN_FILE);
    if (existsSync(tokenFile)) out.push(readFileSync(tokenFile, 'utf8').trim());
    const key = this.account.apiKey();
    if (key) out.push(key);
    if (provider.env_key && process.env[provider.env_key]) out.push(process.env[provider.env_key]!);
    if (provider.experimental_bearer_token) out.push(provider.experimental_bearer_token);
    for (const [name, value] of Object.entries(provider.http_headers ?? {})) if (!isPublicHeader(name)) out.push(value);
    for (const envName of Object.values(provider.env_http_headers ?? {})) if (process.env[envName]) out.push(process.env[envName]!);
    return out;
  }

  get config(): EffectiveConfig {
    return this.options.config;
  }

  initializeResponse(): InitializeResponse {
    return {
      // `<name>/<version>`: clients read the protocol version from here (the Codex TUI warns about a server older
      // than itself), so it is the app-server protocol release we implement; our own version follows in the comment.
      userAgent: `codex-web/${APP_SERVER_PROTOCOL_VERSION} (codex-web ${this.version}; ${os.type()} ${os.release()}; ${os.arch()})`,
      codexHome: this.options.home,
      platformFamily: process.platform === 'win32' ? 'windows' : 'unix',
      platformOs: process.platform === 'darwin' ? 'macos' : process.platform === 'win32' ? 'windows' : process.platform,
    };
  }

  close(): void {
    this.liveSync?.stop();
    this.realtime.stopAll();
    this.turns.stopAll();
    this.commandExec.stopAll();
    this.threads.close();
    this.writer.flush();
    this.db.$client.close();
  }
}
