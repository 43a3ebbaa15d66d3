// A classic-BPF seccomp program for bwrap's --seccomp, used when the network is off. socket() is allowed only for
// AF_INET, AF_INET6 (loopback of the sandbox's own network namespace) and AF_NETLINK: no AF_UNIX (so no filesystem
// socket of the host, such as docker.sock, ssh-agent, dbus or a tmux server in /tmp, is reachable), no AF_VSOCK
// (which no network namespace confines). socketpair() is allowed only as SOCK_STREAM or SOCK_SEQPACKET: such a pair
// can talk only to itself, while a datagram pair could sendto() a host datagram socket by path. io_uring (which can
// open sockets without the socket syscall) is denied. Any other architecture or the x32 ABI gets EPERM for
// everything, so a 32-bit binary cannot go around the filter through socketcall.
import { writeFileSync } from 'node:fs';

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const SOCK_STREAM = 1;
const SOCK_SEQPACKET = 5;
/** socket type without SOCK_NONBLOCK / SOCK_CLOEXEC. */
const SOCK_TYPE_MASK = 0xf;
const BPF_ALU_AND_K = 0x54;
const X32_SYSCALL_BIT = 0x40000000;
/** struct seccomp_data: nr at 0, arch at 4, args[0] (low word, little endian) at 16. */
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0 = 16;
const OFF_ARG1 = 24;

interface ArchInfo {
  audit: number;
  socket: number;
  socketpair: number;
  denied: readonly number[];
}

/** Per architecture: AUDIT_ARCH value, __NR_socket, __NR_socketpair, and io_uring_setup/enter/register. */
const ARCHES: Partial<Record<NodeJS.Architecture, ArchInfo>> = {
  x64: { audit: 0xc000003e, socket: 41, socketpair: 53, denied: [425, 426, 427] },
  arm64: { audit: 0xc00000b7, socket: 198, socketpair: 199, denied: [425, 426, 427] },
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
  body.push([BPF_JEQ_K, 0, 5, a.socket]); // socket → check the family, else on to socketpair
  body.push([BPF_LD_W_ABS, 0, 0, OFF_ARG0]);
  body.push([BPF_JEQ_K, 0xfd, 0, AF_INET]);
  body.push([BPF_JEQ_K, 0xfd, 0, AF_INET6]);
  body.push([BPF_JEQ_K, 0xfd, 0, AF_NETLINK]);
  body.push([BPF_RET_K, 0, 0, deny]);
  body.push([BPF_JEQ_K, 0, 0xfd, a.socketpair]); // neither socket nor socketpair → ALLOW
  body.push([BPF_LD_W_ABS, 0, 0, OFF_ARG1]);
  body.push([BPF_ALU_AND_K, 0, 0, SOCK_TYPE_MASK]);
  body.push([BPF_JEQ_K, 0xfd, 0, SOCK_STREAM]);
  body.push([BPF_JEQ_K, 0xfd, 0xfe, SOCK_SEQPACKET]); // stream or seqpacket pair → ALLOW, else DENY
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
