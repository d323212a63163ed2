/** The `Instance` object as Lambda returns it (docs/reference/lambda.md §4, the OAS restart example). */
import type { SimInstance } from './fleet';

type Action = { available: boolean; reason_code?: string; reason_description?: string };

export function instanceJson(i: SimInstance): Record<string, unknown> {
  const out: Record<string, unknown> = { id: i.id };
  if (i.params.name !== undefined) out.name = i.params.name;
  // `ip` is absent while booting (SkyPilot #1678); `private_ip` may be missing too.
  if (i.ip) out.ip = i.ip;
  if (i.privateIp) out.private_ip = i.privateIp;
  out.status = i.status;
  out.ssh_key_names = [i.params.sshKeyName];
  out.file_system_names = i.params.fileSystemNames;
  // "If no filesystems are mounted, this parameter will be missing from the response."
  if (i.params.fileSystemNames.length) out.file_system_mounts = i.mounts.map((m) => ({ mount_point: m.path, file_system_id: m.id }));
  out.region = i.region;
  out.instance_type = i.type;
  const hostname = i.params.hostname ?? i.ip;
  if (hostname) out.hostname = hostname;
  if (i.ip) {
    out.jupyter_token = i.jupyterToken;
    out.jupyter_url = `https://jupyter-${i.id}.lambdaspaces.com/?token=${i.jupyterToken}`;
  }
  out.is_reserved = false;
  out.actions = actions(i.status);
  out.tags = i.params.tags;
  out.firewall_rulesets = i.params.rulesetIds.map((id) => ({ id }));
  return out;
}

function actions(status: SimInstance['status']): Record<string, Action> {
  const names = ['migrate', 'rebuild', 'restart', 'cold_reboot'];
  const all = (a: Action) => Object.fromEntries(names.map((n) => [n, a]));
  if (status === 'terminating') {
    const no: Action = { available: false, reason_code: 'vm-is-terminating', reason_description: 'The instance is terminating.' };
    return { ...all(no), terminate: no };
  }
  if (status === 'booting') {
    return { ...all({ available: false, reason_code: 'vm-has-not-launched', reason_description: 'The instance has not launched yet.' }), terminate: { available: true } };
  }
  return { ...all({ available: true }), terminate: { available: true } };
}
