/**
 * The kernel's count of connections dropped because a listening socket's accept queue was full
 * (TcpExt ListenOverflows in /proc/net/netstat). Machine-wide, so other programs can add to it; in a
 * fan-out case it means the server fell behind accepting (its viewers then see handshake timeouts).
 */
import { readFileSync } from 'node:fs';

export function listenOverflows(): number | null {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    const i = names.indexOf('ListenOverflows');
    return i > 0 && values[i] !== undefined ? Number(values[i]) : null;
  } catch {
    return null;
  }
}
