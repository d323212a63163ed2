// The dynamic-provider host without gRPC: the CRUD half of @pulumi/pulumi cmd/dynamic-provider/index.js
// (3.248.0), the process Pulumi starts to run `pulumi-nodejs:dynamic:*` resources. Each method follows its
// counterpart there line by line; requests and responses go through the same protobuf Struct conversion,
// so outputs the real host cannot send (undefined, functions) fail here too.
import { nodeRequire } from './realm';

type Props = Record<string, unknown>;

export interface DynamicProvider {
  configure?(req: { config: unknown }): Promise<void>;
  check?(olds: Props, news: Props): Promise<{ inputs?: Props; failures?: { property: string; reason: string }[] }>;
  create(inputs: Props): Promise<{ id: string; outs?: Props }>;
  read?(id: string, props: Props): Promise<{ id?: string; props?: Props; inputs?: Props }>;
  delete?(id: string, props: Props): Promise<void>;
}

/** What the host's grpcResponseFromError puts on the wire: a message, plus ErrorResourceInitFailed when `e.id`. */
export class HostError extends Error {
  constructor(
    message: string,
    readonly initFailed?: { id: string; properties: Props; reasons: string[] },
  ) {
    super(message);
  }
}

const providerKey = '__provider';
const unknownValue = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

// Node's own require, rooted at the host file: require-from-string, protobuf and the host's Config load outside
// jest's module registry, so provider code runs in a clean module scope with Node's require, as in the plugin.
const hostRequire = nodeRequire(require.resolve('@pulumi/pulumi/cmd/dynamic-provider/index.js'));
const requireFromString = hostRequire('require-from-string') as (code: unknown) => { handler(): DynamicProvider };
const { Struct } = hostRequire('google-protobuf/google/protobuf/struct_pb') as {
  Struct: { fromJavaScript(v: unknown): { toJavaScript(): Props } };
};
const { Config } = hostRequire('./config') as { Config: new (raw: Props, project: string) => unknown };

/** One engine-to-host hop: the engine marshals to a Struct, the host reads it with toJavaScript(). */
export const overTheWire = (props: Props | undefined): Props => Struct.fromJavaScript(props ?? {}).toJavaScript();

export class DynamicHost {
  private readonly providerCache: Record<string, DynamicProvider> = {};
  /** What the plugin would print on stderr (the host logs check/read/delete errors with their stack). */
  readonly stderr: string[] = [];

  constructor(
    private readonly rawConfig: Props,
    private readonly project: string,
  ) {}

  // getProvider in the host: cached per serialized text, configured once per process.
  private async getProvider(props: Props): Promise<DynamicProvider> {
    const providerString = props[providerKey] as string;
    let provider = this.providerCache[providerString];
    if (!provider) {
      provider = requireFromString(providerString).handler();
      this.providerCache[providerString] = provider;
      if (provider.configure) await provider.configure({ config: new Config(this.rawConfig, this.project) });
    }
    return provider;
  }

  async check(olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    return this.logged(async () => {
      const provider = await this.getProvider(news[providerKey] === unknownValue ? olds : news);
      let inputs = news;
      let failures: { property: string; reason: string }[] = [];
      if (provider.check) {
        const result = await provider.check(olds, news);
        if (result.inputs) inputs = result.inputs;
        if (result.failures) failures = result.failures;
      }
      inputs[providerKey] = news[providerKey];
      return { inputs: overTheWire(inputs), failures };
    });
  }

  async create(props: Props): Promise<{ id: string; outs: Props }> {
    try {
      const provider = await this.getProvider(props);
      const result = await provider.create(props);
      const resultProps = resultIncludingProvider(result.outs, props);
      return { id: result.id, outs: overTheWire(resultProps) };
    } catch (e) {
      throw fromProviderError(e);
    }
  }

  async read(id: string, props: Props): Promise<{ id: string; outs: Props; inputs?: Props }> {
    return this.logged(async () => {
      const provider = await this.getProvider(props);
      if (!provider.read) return { id, outs: props };
      const result = await provider.read(id, props);
      const outs = overTheWire(resultIncludingProvider(result.props, props));
      const inputs = result.inputs ? overTheWire(resultIncludingProvider(result.inputs, props)) : undefined;
      return { id: result.id ?? '', outs, inputs };
    });
  }

  async delete(id: string, props: Props): Promise<void> {
    return this.logged(async () => {
      const provider = await this.getProvider(props);
      if (provider.delete) await provider.delete(id, props);
    });
  }

  private async logged<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (e) {
      const error = e as Error;
      this.stderr.push(`${String(e)}: ${error?.stack}`);
      throw new HostError(String(error?.message ?? e));
    }
  }
}

function resultIncludingProvider(result: Props | undefined, props: Props): Props {
  return Object.assign(result || {}, { [providerKey]: props[providerKey] });
}

// grpcResponseFromError: an error carrying `id` means "created, but failed to initialize".
function fromProviderError(e: unknown): HostError {
  const error = e as { message?: string; id?: string; properties?: Props; reasons?: string[] };
  if (!error?.id) return new HostError(String(error?.message));
  const properties = overTheWire(error.properties || {});
  return new HostError(String(error.message), { id: error.id, properties, reasons: error.reasons || [] });
}
