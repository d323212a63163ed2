/**
 * Lambda's error envelope `{"error":{"code","message","suggestion"?}}` with the codes and default texts of the
 * v1.10.0 spec (docs/reference/lambda.md §7). Handlers throw `LambdaApiError`; the router turns it into the response.
 */
import type { SimResponse } from '../common/server';

export class LambdaApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly suggestion?: string) {
    super(message);
  }

  response(): SimResponse {
    const error: Record<string, string> = { code: this.code, message: this.message };
    if (this.suggestion !== undefined) error.suggestion = this.suggestion;
    return { status: this.status, body: { error } };
  }
}

export const invalidApiKey = () =>
  new LambdaApiError(401, 'global/invalid-api-key', 'API key was invalid, expired, or deleted.', 'Check your API key or create a new one, then try again.');

export const invalidParameters = (message = 'Invalid request data.', suggestion?: string) => new LambdaApiError(400, 'global/invalid-parameters', message, suggestion);

export const instanceNotFound = () => new LambdaApiError(404, 'global/object-does-not-exist', 'Specified instance does not exist.');

export const notFound = () => new LambdaApiError(404, 'global/not-found', 'The requested resource was not found.');

/** The launch's "resource not found" variant always carries a suggestion. */
export const launchResourceNotFound = (what: string) =>
  new LambdaApiError(404, 'global/object-does-not-exist', `${what} does not exist.`, 'Check the name or ID and try again.');

export const insufficientCapacity = (regionsWithCapacity: string[]) =>
  new LambdaApiError(
    400,
    'instance-operations/launch/insufficient-capacity',
    'Not enough capacity to fulfill launch request.',
    // Where the region list really sits (message or suggestion) is unverified (docs/reference/lambda.md §7, open question 3).
    regionsWithCapacity.length ? `Regions with capacity available: ${regionsWithCapacity.join(', ')}` : 'Try again later or choose another instance type.',
  );

export const rulesetNotFound = () =>
  new LambdaApiError(404, 'global/object-does-not-exist', 'Firewall ruleset does not exist or you do not have permission to access it.', 'Check your firewall ruleset ID and try again.');

export const rulesetInUse = () =>
  new LambdaApiError(400, 'firewall-rulesets/firewall-ruleset-in-use', 'Firewall ruleset is in use by one or more instances.', 'Terminate all instances that are using the ruleset before deleting it.');

/** The 429 body is not documented (docs/reference/lambda.md §7, open question 3); the envelope is kept for consistency. */
export const rateLimited = (what: string) =>
  new LambdaApiError(429, 'global/rate-limit-exceeded', `Too many requests: ${what}.`, 'Slow down and try again.');
