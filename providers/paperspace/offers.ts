/**
 * Offers: v1 has no price or machine-type listing (paperspace.md §2). Each configured machine type × region is an
 * offer priced from the configured table (./prices) whose availability is asked live via `GET /machine-availability`.
 * Offers are `live: true` because availability is live; the prices are configured, not read from Paperspace.
 */
import { BadInputError, GpuburstError } from '../errors';
import { mapLimit } from '../limit';
import type { ListOffersOptions, Offer } from '../types';
import type { PaperspaceApi } from './api';
import type { PaperspaceSettings } from './config';
import { gpuOfMachineType } from './mapping';
import { regionsOf } from './prices';

/** "A4000@East Coast (NY2)": machine-type labels and region names never contain '@'. */
export function offerIdOf(machineType: string, region: string): string {
  return `${machineType}@${region}`;
}

export function parseOfferId(offerId: string): { machineType: string; region: string } {
  const at = offerId.indexOf('@');
  if (at <= 0 || at === offerId.length - 1) {
    throw new BadInputError(`paperspace: offer id "${offerId}" is not "<machineType>@<region>", e.g. "A4000@East Coast (NY2)"`, { provider: 'paperspace' });
  }
  return { machineType: offerId.slice(0, at), region: offerId.slice(at + 1) };
}

export async function listOffers(api: PaperspaceApi, s: PaperspaceSettings, opts: ListOffersOptions, log?: (line: string) => void): Promise<Offer[]> {
  // Paperspace has no spot or preemptible machines.
  if (opts.interruptible === true) return [];
  const candidates: Omit<Offer, 'available'>[] = [];
  for (const machineType of s.machineTypes) {
    const gpu = gpuOfMachineType(machineType);
    const usdPerHour = s.usdPerHour[machineType];
    if (!gpu || !usdPerHour) {
      log?.(`paperspace: skipping machine type ${machineType}: ${gpu ? 'no configured price' : 'not a known GPU type'}`);
      continue;
    }
    if (opts.gpu && opts.gpu.toLowerCase() !== gpu.gpu.toLowerCase()) continue;
    if (opts.minVramGb !== undefined && gpu.vramGb < opts.minVramGb) continue;
    if (opts.maxUsdPerHour !== undefined && usdPerHour > opts.maxUsdPerHour) continue;
    if (opts.gpuCount !== undefined && gpu.gpuCount !== opts.gpuCount) continue;
    for (const region of s.regions ?? regionsOf(machineType)) {
      candidates.push({
        provider: 'paperspace',
        offerId: offerIdOf(machineType, region),
        gpu: gpu.gpu,
        gpuCount: gpu.gpuCount,
        vramGb: gpu.vramGb,
        usdPerHour,
        interruptible: false,
        region,
        live: true,
      });
    }
  }
  const offers = await mapLimit(candidates, s.offerConcurrency, async (c) => {
    const { machineType, region } = parseOfferId(c.offerId);
    try {
      return { ...c, available: await api.isAvailable(machineType, region, opts.signal) };
    } catch (err) {
      // A type or region Paperspace does not know is skipped; auth, rate-limit and outages still fail the listing.
      if (err instanceof GpuburstError && (err.code === 'ERR_BAD_INPUT' || err.code === 'ERR_NOT_FOUND')) {
        log?.(`paperspace: availability of ${machineType} in ${region} refused: ${err.message}`);
        return undefined;
      }
      throw err;
    }
  });
  return offers.filter((o): o is Offer => o !== undefined);
}
