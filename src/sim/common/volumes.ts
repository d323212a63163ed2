/**
 * Persistent storage for the simulators (RunPod network volumes, Lambda filesystems): each volume is a real folder
 * that outlives every machine mounting it, so a second simulated session really finds the first one's models. A
 * booted machine sees it through `MachineBoot.mounts` (its mount path → this folder). Storage bills on the meter
 * from create to delete, mounted or not.
 */
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { BillingMeter } from './billing';

export interface SimVolume {
  id: string;
  name: string;
  region: string;
  /** Allocated GB, where the provider allocates (RunPod). */
  sizeGb?: number;
  dir: string;
  createdAt: string;
}

export interface SimVolumeState {
  id: string;
  name: string;
  region: string;
  sizeGb?: number;
  bytesUsed: number;
  costUsd: number;
  deleted: boolean;
}

/** How a volume bills: per allocated GB, or per GiB stored (read at every state change and state read). */
export type VolumeRate = (v: SimVolume, bytesUsed: number) => number;

export class VolumeStore {
  private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-sim-volumes-'));
  private readonly volumes = new Map<string, SimVolume & { deleted: boolean }>();
  private readonly meter = new BillingMeter();

  constructor(private readonly usdPerMonth: VolumeRate, private readonly newId: () => string = () => crypto.randomBytes(16).toString('hex')) {}

  create(input: { name: string; region: string; sizeGb?: number }): SimVolume {
    const id = this.newId();
    const dir = path.join(this.root, id);
    fs.mkdirSync(dir);
    const volume = { ...input, id, dir, createdAt: new Date().toISOString(), deleted: false };
    this.volumes.set(id, volume);
    this.meter.open(id, { computeUsdPerHour: 0, storageUsdPerHour: this.usdPerMonth(volume, 0) / 730 });
    this.meter.set(id, { compute: false, storage: true });
    return volume;
  }

  get(id: string): SimVolume | undefined {
    const v = this.volumes.get(id);
    return v && !v.deleted ? v : undefined;
  }

  list(): SimVolume[] {
    return [...this.volumes.values()].filter((v) => !v.deleted);
  }

  /** Deletes the volume and its files; billing ends. */
  delete(id: string): void {
    const v = this.volumes.get(id);
    if (!v || v.deleted) return;
    v.deleted = true;
    this.meter.close(id);
    fs.rmSync(v.dir, { recursive: true, force: true });
  }

  bytesUsed(v: SimVolume): number {
    return fs.existsSync(v.dir) ? du(v.dir) : 0;
  }

  state(): SimVolumeState[] {
    return [...this.volumes.values()].map((v) => {
      const bytesUsed = v.deleted ? 0 : this.bytesUsed(v);
      if (!v.deleted) this.meter.setRates(v.id, { storageUsdPerHour: this.usdPerMonth(v, bytesUsed) / 730 });
      return { id: v.id, name: v.name, region: v.region, sizeGb: v.sizeGb, bytesUsed, costUsd: this.meter.read(v.id).costUsd, deleted: v.deleted };
    });
  }

  close(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Bytes of the regular files below `dir` (symlinks not followed). */
function du(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += du(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}
