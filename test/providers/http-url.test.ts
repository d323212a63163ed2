import { BadInputError } from '../../providers/errors';
import { HttpClient } from '../../providers/http';
import { isHttpUrl } from '../../providers/http-url';

test.each(['http://127.0.0.1:8188', 'http://127.0.0.1:8188/', 'https://abc-8188.proxy.runpod.net', 'http://[::1]:8188', 'https://host/comfy'])('%s is an http(s) URL', (url) => {
  expect(isHttpUrl(url)).toBe(true);
});

test.each(['127.0.0.1:8188', 'localhost:8188', 'ftp://host', 'http://', 'http://host x', ' http://host', 'http://host/?a=1', 'http://host/#x', 'not a url', ''])('%j is refused', (url) => {
  expect(isHttpUrl(url)).toBe(false);
});

test('an HTTP client with a base URL it cannot use is bad input naming it, not a TypeError at the first request', () => {
  const make = () => new HttpClient({ provider: 'comfyui', baseUrl: 'localhost:8188', translate: () => new BadInputError('unused') });
  expect(make).toThrow(BadInputError);
  expect(make).toThrow('comfyui: "localhost:8188" is not accepted as a base URL; accepted: an http:// or https:// URL without ?query or #fragment');
});
