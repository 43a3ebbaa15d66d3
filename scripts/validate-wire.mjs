// Checks every message our server sent during the integration suites (the JSONL files test/support/wire-log.ts
// writes under CODEX_WEB_WIRE_LOG) against the JSON schema the pinned reference generates
// (scripts/ensure-reference.mjs):
// - a response to method M against M's response type (ClientRequest.json names M's params type `XParams`; the
//   response is `XResponse`, or the few irregular names below), found as <schema>/v2|v1|./<Name>.json;
// - a notification against its variant of ServerNotification.json, a server request against ServerRequest.json;
// - an error against JSONRPCError.json. An error with `id: null` (a frame we could not parse or read as a
//   request) is ours alone: the reference never answers such frames and its RequestId has no null, so only
//   its body is checked, against JSONRPCErrorError (docs/protocol.md#differences-from-the-reference).
// A method the reference has no schema for is counted as "no schema" and skipped.
// Usage: node scripts/validate-wire.mjs <wire-log-dir> [--schema <dir>] [--max-failures N]
// Exits 1 if any message is invalid or nothing was recorded.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { referencePaths } from './ensure-reference.mjs';

/** Methods whose response type is not named after their params type (or that take no params). */
const RESPONSE_NAME_OVERRIDES = {
  'account/logout': 'LogoutAccountResponse',
  'account/rateLimits/read': 'GetAccountRateLimitsResponse',
  'account/securitySetup/read': 'GetAccountSecuritySetupResponse',
  'account/usage/read': 'GetAccountTokenUsageResponse',
  'account/workspaceMessages/read': 'GetWorkspaceMessagesResponse',
  'account/gatewayOAuth/read': 'GatewayOAuthReadResponse',
  'account/gatewayOAuth/login': 'GatewayOAuthLoginResponse',
  'account/gatewayOAuth/cancel': 'GatewayOAuthCancelResponse',
  'accountSession/list': 'AccountSessionsResponse',
  'config/value/write': 'ConfigWriteResponse',
  'config/batchWrite': 'ConfigWriteResponse',
  'config/mcpServer/reload': 'McpServerRefreshResponse',
  'configRequirements/read': 'ConfigRequirementsReadResponse',
  'externalAgentConfig/import/readHistories': 'ExternalAgentConfigImportHistoriesReadResponse',
  'memory/reset': 'MemoryResetResponse',
  'remoteControl/enable': 'RemoteControlEnableResponse',
  'remoteControl/disable': 'RemoteControlDisableResponse',
  'remoteControl/status/read': 'RemoteControlStatusReadResponse',
  'rollout/compress': 'RolloutCompressResponse',
  'windowsSandbox/readiness': 'WindowsSandboxReadinessResponse',
};

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The reference's integer and number formats (Rust types), checked for range. */
function addRustFormats(ajv) {
  const int = (min, max) => ({ type: 'number', validate: (n) => Number.isInteger(n) && n >= min && n <= max });
  ajv.addFormat('int32', int(-(2 ** 31), 2 ** 31 - 1));
  ajv.addFormat('int64', int(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  ajv.addFormat('uint16', int(0, 2 ** 16 - 1));
  ajv.addFormat('uint32', int(0, 2 ** 32 - 1));
  ajv.addFormat('uint64', int(0, Number.MAX_SAFE_INTEGER));
  ajv.addFormat('uint', int(0, Number.MAX_SAFE_INTEGER));
  ajv.addFormat('double', { type: 'number', validate: (n) => Number.isFinite(n) });
}

/** Validators looked up by kind and method, compiled on first use. */
export function loadReferenceSchema(schemaDir) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addRustFormats(ajv);
  const cache = new Map();
  const compiled = (key, make) => {
    if (!cache.has(key)) {
      const schema = make();
      cache.set(key, schema ? ajv.compile(schema) : null);
    }
    return cache.get(key);
  };

  const variants = (file) => {
    const root = readJson(path.join(schemaDir, file));
    const byMethod = new Map();
    for (const v of root.oneOf) {
      const m = v.properties?.method?.enum?.[0];
      if (typeof m === 'string') byMethod.set(m, { ...v, $schema: root.$schema, definitions: root.definitions });
    }
    return byMethod;
  };
  const notifications = variants('ServerNotification.json');
  const serverRequests = variants('ServerRequest.json');
  const clientRequests = variants('ClientRequest.json');

  const findFile = (name) =>
    ['v2', 'v1', '.'].map((d) => path.join(schemaDir, d, `${name}.json`)).find((f) => existsSync(f)) ?? null;

  /** The response type name for a client method, or null when the reference does not know the method. */
  function responseName(method) {
    if (RESPONSE_NAME_OVERRIDES[method]) return RESPONSE_NAME_OVERRIDES[method];
    const v = clientRequests.get(method);
    if (!v) return null;
    const ref = v.properties.params?.$ref ?? v.properties.params?.anyOf?.find((s) => s.$ref)?.$ref;
    const params = typeof ref === 'string' ? ref.split('/').pop() : null;
    return params?.endsWith('Params') ? `${params.slice(0, -'Params'.length)}Response` : null;
  }

  const errorFile = path.join(schemaDir, 'JSONRPCError.json');
  return {
    response(method) {
      return compiled(`response:${method}`, () => {
        const name = responseName(method);
        const file = name && findFile(name);
        return file ? readJson(file) : null;
      });
    },
    notification: (method) => compiled(`notification:${method}`, () => notifications.get(method) ?? null),
    serverRequest: (method) => compiled(`serverRequest:${method}`, () => serverRequests.get(method) ?? null),
    error: () => compiled('error', () => readJson(errorFile)),
    errorBody: () => compiled('errorBody', () => ({ ...readJson(errorFile).definitions.JSONRPCErrorError, definitions: {} })),
  };
}

/** `kind method`, as the report names a message. */
const label = ({ kind, method }) => `${kind} ${method ?? (kind === 'response' || kind === 'error' ? '(to an id the client never sent)' : '')}`.trim();

const notAMessage = Object.assign(() => false, {
  errors: [{ instancePath: '', message: 'is neither a response, an error, a notification nor a request' }],
});

function* records(dir) {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    const lines = readFileSync(path.join(dir, name), 'utf8').split('\n');
    for (const line of lines) if (line.trim()) yield JSON.parse(line);
  }
}

/** Validates every recorded message; returns the totals and the failures. */
export function validateWire(dir, schemaDir) {
  const schema = loadReferenceSchema(schemaDir);
  const totals = { recorded: 0, validated: 0, invalid: 0, noSchema: 0, nullIdErrors: 0 };
  const byKind = {};
  const noSchema = new Map(); // `kind method` → count
  const failures = [];
  for (const rec of records(dir)) {
    totals.recorded++;
    const { kind, method, message } = rec;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    let validate;
    let target = message;
    if (kind === 'response') {
      validate = method === null ? null : schema.response(method);
      target = message.result; // a response schema describes the result alone
    } else if (kind === 'notification') validate = schema.notification(method);
    else if (kind === 'serverRequest') validate = schema.serverRequest(method);
    else if (kind === 'error') {
      if (message.id === null) {
        totals.nullIdErrors++;
        validate = schema.errorBody();
        target = message.error;
      } else validate = schema.error();
    } else validate = notAMessage;
    if (!validate) {
      totals.noSchema++;
      const key = label({ kind, method });
      noSchema.set(key, (noSchema.get(key) ?? 0) + 1);
      continue;
    }
    totals.validated++;
    if (!validate(target)) {
      totals.invalid++;
      failures.push({ kind, method, source: rec.source, errors: validate.errors ?? [], checked: target });
    }
  }
  return { totals, byKind, noSchema, failures };
}

const show = (v) => {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 160 ? `${s.slice(0, 160)}…` : s;
};

/** Follows an ajv instancePath (/a/0/b) into the message, for the failure report. */
function at(value, pointer) {
  for (const part of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = value[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return value;
}

export function report({ totals, byKind, noSchema, failures }, { maxFailures = 10, log = console.log } = {}) {
  log(`wire check against the reference schema: ${totals.recorded} messages recorded (${Object.entries(byKind).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  for (const f of failures.slice(0, maxFailures)) {
    log(`  INVALID ${label(f)} (${f.source})`);
    // allErrors reports every branch of a failed anyOf/oneOf; the deepest paths are the informative ones.
    const errors = [...f.errors].sort((a, b) => b.instancePath.length - a.instancePath.length).slice(0, 4);
    for (const e of errors) {
      const params = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '';
      log(`    ${e.instancePath || '(root)'}: ${e.message}${params} [at ${show(at(f.checked, e.instancePath))}]`);
    }
  }
  if (failures.length > maxFailures) log(`  ... and ${failures.length - maxFailures} more invalid messages`);
  const kinds = new Map();
  for (const f of failures) kinds.set(label(f), (kinds.get(label(f)) ?? 0) + 1);
  if (kinds.size) log(`  invalid by method: ${[...kinds].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  if (noSchema.size) log(`  no schema (skipped): ${[...noSchema].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  log(
    `  totals: validated ${totals.validated} / invalid ${totals.invalid} / no schema ${totals.noSchema}` +
      (totals.nullIdErrors ? ` (${totals.nullIdErrors} id-null errors: body checked against JSONRPCErrorError)` : ''),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const schemaDir = opt('--schema') ?? referencePaths().schema;
  const maxFailures = Number(opt('--max-failures') ?? 10);
  const dir = args[0];
  if (!dir) {
    console.error('usage: node scripts/validate-wire.mjs <wire-log-dir> [--schema <dir>] [--max-failures N]');
    process.exit(2);
  }
  if (!existsSync(path.join(schemaDir, 'ServerNotification.json'))) {
    console.error(`no reference schema in ${schemaDir}; run node scripts/ensure-reference.mjs`);
    process.exit(2);
  }
  const result = validateWire(dir, schemaDir);
  report(result, { maxFailures });
  if (result.totals.recorded === 0) console.error(`nothing was recorded in ${dir}: is CODEX_WEB_WIRE_LOG reaching the test clients?`);
  process.exit(result.totals.invalid > 0 || result.totals.recorded === 0 ? 1 : 0);
}
