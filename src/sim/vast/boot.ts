/** What a booting Vast container gets: its environment (docs/reference/vast.md §8) and a host port for ComfyUI's mapping. */
import net from 'net';
import type { SimInstance } from './render';

/** The request's env plus what Vast injects: CONTAINER_ID, the per-instance CONTAINER_API_KEY, labels, ports. */
export function containerEnv(inst: SimInstance, publicIp: string, comfyPort: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(inst.req.env)) if (!k.startsWith('-')) env[k] = v;
  return {
    ...env,
    CONTAINER_ID: String(inst.id),
    CONTAINER_API_KEY: inst.apiKey,
    VAST_CONTAINERLABEL: `C.${inst.id}`,
    PUBLIC_IPADDR: publicIp.trim(),
    GPU_COUNT: String(inst.host.num_gpus),
    [`VAST_TCP_PORT_${comfyPort}`]: String(inst.hostPort ?? ''),
  };
}

/** A free loopback port, reserved for the ComfyUI the machine will start (the "random external port"). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
