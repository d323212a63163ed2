/**
 * A simulated VM's public network: its own loopback address (a random free 127.a.b.c, standing in for the public
 * IPv4) and, on ComfyUI's port, a gate that plays Lambda's inbound firewall. The gate lets a connection through
 * only when a rule allows that port from the caller's address (docs/reference/lambda.md §5); otherwise it drops it, as a
 * filtered port would. The ComfyUI behind the gate listens on another port of the same address.
 */
import net from 'net';
import crypto from 'crypto';

export interface SimFirewallRule {
  protocol: 'tcp' | 'udp' | 'icmp' | 'all';
  port_range?: [number, number];
  source_network: string;
  description: string;
}

function parseIpv4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

/** "1.2.3.4" (= /32) or "1.2.3.0/24"; undefined when malformed. */
export function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const [ip, bitsText, extra] = cidr.split('/');
  if (extra !== undefined) return undefined;
  const base = parseIpv4(ip);
  const bits = bitsText === undefined ? 32 : /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (base === undefined || !(bits >= 0 && bits <= 32)) return undefined;
  return { base, bits };
}

function cidrContains(cidr: string, ip: string): boolean {
  const net4 = parseCidr(cidr);
  const addr = parseIpv4(ip.replace(/^::ffff:/, ''));
  if (!net4 || addr === undefined) return false;
  const size = 2 ** (32 - net4.bits);
  return Math.floor(addr / size) === Math.floor(net4.base / size);
}

export function ruleAllowsTcp(rule: SimFirewallRule, port: number, remoteIp: string): boolean {
  if (rule.protocol !== 'tcp' && rule.protocol !== 'all') return false;
  const [min, max] = rule.port_range ?? [0, -1];
  return port >= min && port <= max && cidrContains(rule.source_network, remoteIp);
}

export interface PortGate {
  ip: string;
  port: number;
  /** Where allowed connections go (the VM's ComfyUI), once it runs. */
  setUpstream(target: { host: string; port: number } | undefined): void;
  close(): Promise<void>;
}

/** Opens the gate on a fresh loopback address; `allows(remoteIp)` is asked for every connection. */
export async function openPortGate(port: number, allows: (remoteIp: string) => boolean, attempts = 20): Promise<PortGate> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const ip = randomLoopbackIp();
    try {
      return await listenGate(ip, port, allows);
    } catch (err) {
      lastError = err;
      const code = (err as { code?: string }).code;
      if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL') break;
    }
  }
  throw lastError;
}

function randomLoopbackIp(): string {
  const [a, b, c] = crypto.randomBytes(3);
  // Keep clear of 127.0.0.x (the sim's own API lives there) and of .0/.255 host parts.
  return `127.${1 + (a % 254)}.${b}.${1 + (c % 254)}`;
}

function listenGate(ip: string, port: number, allows: (remoteIp: string) => boolean): Promise<PortGate> {
  let upstream: { host: string; port: number } | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (!upstream || !allows(client.remoteAddress ?? '')) return void client.destroy();
    const inner = net.connect(upstream.port, upstream.host);
    sockets.add(inner);
    inner.on('close', () => sockets.delete(inner));
    inner.on('error', () => client.destroy());
    client.on('close', () => inner.destroy());
    inner.on('close', () => client.destroy());
    client.pipe(inner).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => {
      server.off('error', reject);
      resolve({
        ip,
        port,
        setUpstream: (t) => (upstream = t),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
