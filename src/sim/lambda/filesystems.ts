/**
 * Filesystems of the Lambda simulator (Lambda OpenAPI: `GET /file-systems`, `POST /filesystems`, `DELETE
 * /filesystems/{id}`; billing docs/reference/lambda.md §6): names unique per account and matching the create schema,
 * region-locked, mounted at /lambda/nfs/<name>, refused for deletion while a live instance mounts them
 * (`filesystems/filesystem-in-use`), billed per GiB stored while they exist. Each is a real folder
 * (../common/volumes.ts), so files outlive the instances that wrote them.
 */
import { VolumeStore, SimVolume } from '../common/volumes';
import { checkLambdaRequest } from './launch-request';
import { regionByName } from './catalog';
import { invalidParameters, LambdaApiError } from './errors';

/** The billing page's example rate: $0.20 per GiB stored per month. */
const USD_PER_GIB_MONTH = 0.2;
const CREATED_BY = { id: '3da5a70a57a7422ea8a7203f98b2198b', email: 'sim@example.com', status: 'active' };

export class FilesystemStore {
  readonly volumes = new VolumeStore((_v, bytes) => (bytes / 2 ** 30) * USD_PER_GIB_MONTH);

  /** `inUse` names the live instances mounting a filesystem. */
  constructor(private readonly inUse: (name: string) => string[]) {}

  create(body: Record<string, unknown>): SimVolume {
    checkLambdaRequest('createFilesystem', body);
    const { name, region } = body as { name: string; region: string };
    if (!regionByName(region)) throw invalidParameters(`Region ${region} does not exist.`);
    if (this.byName(name)) throw new LambdaApiError(400, 'global/duplicate', `A filesystem named ${name} already exists.`, 'Choose another name.');
    return this.volumes.create({ name, region });
  }

  byName(name: string): SimVolume | undefined {
    return this.volumes.list().find((v) => v.name === name);
  }

  delete(id: string): { deleted_ids: string[] } {
    const v = this.volumes.get(id);
    if (!v) throw new LambdaApiError(404, 'global/object-does-not-exist', 'Filesystem was not found.');
    if (this.inUse(v.name).length) {
      throw new LambdaApiError(400, 'filesystems/filesystem-in-use', 'Filesystem is in use by one or more instances.', 'Terminate the instances using the filesystem before deleting it.');
    }
    this.volumes.delete(id);
    return { deleted_ids: [id] };
  }

  json(v: SimVolume): Record<string, unknown> {
    return {
      id: v.id,
      name: v.name,
      mount_point: mountPoint(v.name),
      created: v.createdAt,
      created_by: CREATED_BY,
      is_in_use: this.inUse(v.name).length > 0,
      region: regionByName(v.region),
      bytes_used: this.volumes.bytesUsed(v),
    };
  }
}

export function mountPoint(name: string): string {
  return `/lambda/nfs/${name}`;
}
