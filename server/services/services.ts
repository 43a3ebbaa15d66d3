import os from 'node:os';
import path from 'node:path';
import { DB_FILE_NAME, openDb, type Db } from '../../db/client';
import { GroupCommitWriter } from '../../db/writer';
import type { EffectiveConfig } from '../config/load';
import type { InitializeResponse } from '../protocol/initialize';
import { packageVersion } from '../util/package-root';
import { AccountService } from './account-service';
import { CommandExecService } from './command-exec';
import { EventHub } from './event-hub';
import { RealtimeService } from './realtime-service';
import { ThreadService } from './thread-service';
import { ApprovalBroker } from './turns/approvals';
import { TurnRunner } from './turns/turn-runner';

export interface ServicesOptions {
  home: string;
  config: EffectiveConfig;
  cwd?: string;
}

/** The service layer both APIs adapt (architecture.md): one DB handle, one hub, one of each service. */
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
  readonly version = packageVersion();

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
    this.approvals = new ApprovalBroker((thread, requestId) =>
      this.threads.publish(thread, { method: 'serverRequest/resolved', params: { threadId: thread.id, requestId } }),
    );
    this.threads.onSubscribe = (thread, subscriber) => this.approvals.offerPending(thread, subscriber);
    this.turns = new TurnRunner(this.threads, this.account, this.approvals);
    this.realtime = new RealtimeService({
      threads: this.threads,
      turns: this.turns,
      account: this.account,
      hub: this.hub,
      config: options.config,
      userAgent: `codex-web/${this.version}`,
    });
    this.commandExec = new CommandExecService({
      defaultCwd: options.cwd ?? process.cwd(),
      defaultPolicy: () => this.threads.sandboxPolicy(options.config.sandboxMode),
    });
  }

  get config(): EffectiveConfig {
    return this.options.config;
  }

  initializeResponse(): InitializeResponse {
    return {
      userAgent: `codex-web/${this.version} (${os.type()} ${os.release()}; ${os.arch()})`,
      codexHome: this.options.home,
      platformFamily: process.platform === 'win32' ? 'windows' : 'unix',
      platformOs: process.platform === 'darwin' ? 'macos' : process.platform === 'win32' ? 'windows' : process.platform,
    };
  }

  close(): void {
    this.realtime.stopAll();
    this.turns.stopAll();
    this.commandExec.stopAll();
    this.threads.close();
    this.writer.flush();
    this.db.$client.close();
  }
}
