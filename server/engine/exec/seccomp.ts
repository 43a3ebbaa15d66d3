// A classic-BPF seccomp program for bwrap's --seccomp: with the network off, a sandboxed command cannot create
// AF_UNIX sockets (so no filesystem or abstract socket of the host, such as docker.sock, ssh-agent, dbus or a tmux
// server in /tmp, is reachable) nor use io_uring (which can open sockets without the socket syscall). socketpair
// stays allowed: it connects only to itself. Any other architecture or the x32 ABI gets EPERM for everything, so
// a 32-bit binary cannot go around the filter through socketcall.
import { writeFileSync } from 'node:fs';

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const AF_UNIX = 1;
const X32_SYSCALL_BIT = 0x40000000;
/** struct seccomp_data: nr at 0, arch at 4, args[0] (low word, little endian) at 16. */
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0 = 16;

interface ArchInfo {
  audit: number;
  socket: number;
  denied: readonly number[];
}

/** Per architecture: AUDIT_ARCH value, __NR_socket, and io_uring_setup/enter/register. */
const ARCHES: Partial<Record<NodeJS.Architecture, ArchInfo>> = {
  x64: { audit: 0xc000003e, socket: 41, denied: [425, 426, 427] },
  arm64: { audit: 0xc00000b7, socket: 198, denied: [425, 426, 427] },
};

type Insn = [code: number, jt: number, jf: number, k: number];

/** The program for an architecture, or null when we have no table for it. */
export function seccompProgram(arch: NodeJS.Architecture = process.arch): Buffer | null {
  const a = ARCHES[arch];
  if (!a) return null;
  const deny = SECCOMP_RET_ERRNO | EPERM;
  // Jumps are relative to the next instruction; ALLOW and DENY are the last two.
  const body: Insn[] = [];
  const checks: Insn[] = a.denied.map((nr) => [BPF_JEQ_K, 0xff, 0, nr]);
  body.push([BPF_LD_W_ABS, 0, 0, OFF_ARCH]);
  body.push([BPF_JEQ_K, 1, 0, a.audit]); // native arch → skip the next instruction
  body.push([BPF_RET_K, 0, 0, deny]);
  body.push([BPF_LD_W_ABS, 0, 0, OFF_NR]);
  body.push([BPF_JGE_K, 0xfe, 0, X32_SYSCALL_BIT]); // x32 → DENY
  body.push(...checks); // io_uring → DENY
  body.push([BPF_JEQ_K, 0, 0xfd, a.socket]); // not socket → ALLOW
  body.push([BPF_LD_W_ABS, 0, 0, OFF_ARG0]);
  body.push([BPF_JEQ_K, 0xfe, 0xfd, AF_UNIX]); // AF_UNIX → DENY, else ALLOW
  const allowAt = body.length;
  const denyAt = body.length + 1;
  body.push([BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]);
  body.push([BPF_RET_K, 0, 0, deny]);
  // Resolve the placeholders: 0xfe = DENY, 0xfd = ALLOW, 0xff = DENY (io_uring).
  const resolve = (i: number, t: number) => (t === 0xfe || t === 0xff ? denyAt - i - 1 : t === 0xfd ? allowAt - i - 1 : t);
  const buf = Buffer.alloc(body.length * 8);
  body.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(resolve(i, jt), i * 8 + 2);
    buf.writeUInt8(resolve(i, jf), i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}

/** Writes the program to `file` (0600) and returns the path, or null when this architecture has none. */
export function writeSeccompProgram(file: string, arch: NodeJS.Architecture = process.arch): string | null {
  const program = seccompProgram(arch);
  if (!program) return null;
  writeFileSync(file, program, { mode: 0o600 });
  return file;
}
