/**
 * Each simulated VM gets its own loopback address (127.a.b.c; all of 127/8 is loopback on Linux), so its ComfyUI
 * listens on the same port (8188) as on a real VM's public IP, and a new power-on gets a new "dynamic" IP.
 */
import crypto from 'crypto';

export function randomLoopbackIp(taken: (string | null | undefined)[]): string {
  const used = new Set(taken.filter(Boolean));
  for (;;) {
    const [a, b, c] = crypto.randomBytes(3);
    // Skip 127.0.0.x (other local services) and .0/.255 host parts.
    const ip = `127.${(a % 254) + 1}.${b}.${(c % 253) + 1}`;
    if (!used.has(ip)) return ip;
  }
}
