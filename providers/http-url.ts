/**
 * An http(s) URL requests can be appended to: "localhost:8188" parses as a URL of scheme "localhost:", and a query
 * or fragment would swallow every path put after it.
 */
export function isHttpUrl(text: string): boolean {
  if (/\s/.test(text)) return false;
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
}
