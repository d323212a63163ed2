/**
 * UI → API conversion against hand-written fixtures (test/fixtures/comfy), one per rule of reference §3.4.
 */
import fs from 'fs';
import path from 'path';
import { BadInputError } from '../../../providers/errors';
import type { ObjectInfo } from '../../../src/comfy/types';
import { convertUiToApi } from '../../../src/comfy/workflow/convert';
import { UiWorkflow, detectFormat } from '../../../src/comfy/workflow/format';
import { bundledObjectInfo } from '../../../src/comfy/workflow/object-info';
import { EXAMPLES, FIXTURES } from '../helpers';

const read = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
const info: ObjectInfo = { ...bundledObjectInfo(), ...read('aspect-picker.object_info.json') };

describe('UI → API conversion', () => {
  const rules = convertUiToApi(read('ui-rules.json') as UiWorkflow, info);

  test('the whole rules graph converts to the expected prompt', () => {
    expect(rules).toEqual(read('ui-rules.expected.json'));
  });

  test('the control value after a seed widget is skipped (seed and noise_seed)', () => {
    expect(rules['7'].inputs).toMatchObject({ seed: 123, cfg: 6.5, sampler_name: 'euler' });
    expect(rules['17'].inputs).toMatchObject({ noise_seed: 77, steps: 10, end_at_step: 10000 });
    expect(JSON.stringify(rules)).not.toMatch(/randomize|"fixed"/);
  });

  test('muted nodes are dropped, and so are the inputs they fed; bypassed nodes pass their matching input through', () => {
    expect(rules['12']).toBeUndefined(); // muted PreviewImage
    expect(rules['14']).toBeUndefined(); // muted LoadImage
    expect(rules['15'].inputs).toEqual({ vae: ['1', 2] }); // pixels came from the muted node
    expect(rules['2']).toBeUndefined(); // bypassed LoRA
    expect(rules['7'].inputs.model).toEqual(['1', 0]);
    expect(rules['3'].inputs.clip).toEqual(['1', 1]);
  });

  test('reroute chains, primitives, object widget values, V3 combos and notes', () => {
    expect(rules['8'].inputs.vae).toEqual(['1', 2]);
    expect(rules['7'].inputs.steps).toBe(12);
    expect(rules['5'].inputs).toEqual({ width: 640, height: 448, batch_size: 2 });
    expect(rules['13'].inputs).toEqual({ ratio: '16:9', count: 3 });
    for (const virtual of ['6', '9', '10', '16']) expect(rules[virtual]).toBeUndefined();
  });

  test.each(['Reroute', 'bypassed ImageInvert'])('a chain of 20,000 %s nodes resolves to its source (it was a stack overflow, exit 70)', (kind) => {
    const n = 20_000;
    const nodes: unknown[] = [{ id: 1, type: 'EmptyImage', mode: 0, inputs: [], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }], widgets_values: [8, 8, 1, 0] }];
    const links: unknown[] = [];
    for (let i = 2; i <= n + 1; i++) {
      const reroute = kind === 'Reroute';
      nodes.push({ id: i, type: reroute ? 'Reroute' : 'ImageInvert', mode: reroute ? 0 : 4, inputs: [{ name: reroute ? '' : 'image', type: reroute ? '*' : 'IMAGE', link: i - 1 }], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [i] }], widgets_values: [] });
      links.push([i - 1, i - 1, 0, i, 0, 'IMAGE']);
    }
    nodes.push({ id: n + 2, type: 'SaveImage', mode: 0, inputs: [{ name: 'images', type: 'IMAGE', link: n + 1 }], outputs: [], widgets_values: ['deep/x'] });
    links.push([n + 1, n + 1, 0, n + 2, 0, 'IMAGE']);
    const api = convertUiToApi({ last_node_id: n + 2, last_link_id: n + 1, nodes, links, version: 0.4 } as unknown as UiWorkflow, info);
    expect(api).toEqual({ '1': expect.objectContaining({ class_type: 'EmptyImage' }), [String(n + 2)]: expect.objectContaining({ class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'deep/x' } }) });
  });

  /** A top-level instance of sg0, where sg<d> holds `fanOut` instances of sg<d+1> and the last an EmptyImage. */
  function subgraphTower(levels: number, fanOut: number, selfContained = false): UiWorkflow {
    const subgraphs = Array.from({ length: levels }, (_, d) => ({
      id: `sg${d}`,
      name: `level ${d}`,
      nodes: d === levels - 1 && !selfContained ? [{ id: 1, type: 'EmptyImage', mode: 0, inputs: [], outputs: [], widgets_values: [8, 8, 1, 0] }] : Array.from({ length: fanOut }, (_, i) => ({ id: i + 1, type: selfContained ? `sg${d}` : `sg${d + 1}`, mode: 0, inputs: [], outputs: [] })),
      links: [],
      inputs: [],
      outputs: [],
    }));
    return { last_node_id: 1, last_link_id: 0, nodes: [{ id: 1, type: 'sg0', mode: 0, inputs: [], outputs: [] }], links: [], definitions: { subgraphs }, version: 0.4 } as unknown as UiWorkflow;
  }

  test('subgraphs that multiply past 100,000 nodes, or contain themselves, are refused in one line', () => {
    // 10^7 nodes from a 5 KB file: 15 s and 1.3 GB before, and out of memory one level deeper.
    expect(() => convertUiToApi(subgraphTower(8, 10), info)).toThrow(new BadInputError('subgraphs expand to more than 100,000 nodes (instances of instances multiply; "level 7" at level 8); ComfyUI workflows have hundreds'));
    expect(() => convertUiToApi(subgraphTower(1, 1, true), info)).toThrow(/subgraphs nest deeper than 16 levels \(a subgraph that contains itself\?\)/);
    expect(Object.keys(convertUiToApi(subgraphTower(4, 10), info))).toHaveLength(1000);
  });

  test('nested subgraphs flatten to "outer:inner" ids with boundary links joined (schema-1 object links)', () => {
    expect(convertUiToApi(read('ui-subgraph.json') as UiWorkflow, info)).toEqual(read('ui-subgraph.expected.json'));
  });

  test('the UI example converts to the SD1.5 img2img prompt with links as [id, slot]', () => {
    const ui = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'sd15-img2img.ui.json'), 'utf8'));
    expect(detectFormat(ui)).toBe('ui');
    const api = convertUiToApi(ui, info);
    expect(detectFormat(api)).toBe('api');
    expect(Object.keys(api).sort()).toEqual(['10', '12', '3', '4', '6', '7', '8', '9']);
    expect(api['3'].inputs).toMatchObject({ seed: 42, steps: 20, denoise: 0.6, latent_image: ['12', 0] });
    expect(api['12'].inputs).toEqual({ pixels: ['10', 0], vae: ['4', 2] });
    expect(api['10'].inputs).toEqual({ image: 'example.png' }); // the upload button's value is not a widget
    expect(api['6']._meta?.title).toBe('Positive');
  });

  test('unknown node classes fail loudly, all of them listed', () => {
    const wf = read('ui-rules.json');
    wf.nodes.push({ id: 40, type: 'FooNode', mode: 0, inputs: [], outputs: [], widgets_values: [1] });
    wf.nodes.push({ id: 41, type: 'BarNode', mode: 0, inputs: [], outputs: [], widgets_values: [] });
    expect(() => convertUiToApi(wf, info)).toThrow(BadInputError);
    expect(() => convertUiToApi(wf, info)).toThrow(/node 40 \(FooNode\), node 41 \(BarNode\)/);
  });

  test('a legacy group node without its definition in extra.groupNodes is refused, naming the node', () => {
    const wf = read('ui-rules.json');
    wf.nodes.push({ id: 42, type: 'workflow>My group', mode: 0, inputs: [], outputs: [] });
    expect(() => convertUiToApi(wf, info)).toThrow(/group node 42 \(workflow>My group\) has no definition in extra.groupNodes/);
  });

  test('a legacy group node (workflow>Name) with an inner link, a seed control value and an outer input expands', () => {
    const wf = {
      nodes: [
        { id: 1, type: 'EmptyImage', mode: 0, inputs: [], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }], widgets_values: [64, 64, 1, 0] },
        { id: 2, type: 'workflow>Inv', mode: 0, inputs: [{ name: 'image', type: 'IMAGE', link: 1 }], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [2] }], widgets_values: ['g/x'] },
      ],
      links: [[1, 1, 0, 2, 0, 'IMAGE']],
      extra: {
        groupNodes: {
          Inv: {
            nodes: [
              { index: 0, type: 'ImageInvert', inputs: [{ name: 'image', type: 'IMAGE', link: null }], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [] }] },
              { index: 1, type: 'SaveImage', inputs: [{ name: 'images', type: 'IMAGE', link: null }], outputs: [], widgets_values: ['old'] },
            ],
            links: [[null, 0, 0, 0, 1, 'IMAGE'], [0, 0, 1, 0, 7, 'IMAGE']],
            external: [[0, 0, 'IMAGE']],
          },
        },
      },
    };
    expect(convertUiToApi(wf, info)).toMatchObject({
      '2:0': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '2:1': { class_type: 'SaveImage', inputs: { images: ['2:0', 0], filename_prefix: 'g/x' } },
    });
  });

  test('list widget values are wrapped as {__value__} so they cannot read as links', () => {
    const wf = { nodes: [{ id: 1, type: 'CLIPTextEncode', mode: 0, inputs: [], outputs: [], widgets_values: [['a', 'b']] }], links: [] };
    expect(convertUiToApi(wf, info)['1'].inputs.text).toEqual({ __value__: ['a', 'b'] });
  });
});
