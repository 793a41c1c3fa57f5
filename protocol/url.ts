/**
 * The WHATWG URL parser: present in every runtime RingKit runs in (browsers,
 * workers, Node) but in none of the libs protocol/ compiles against.
 */
export interface ParsedUrl {
  readonly href: string;
  readonly origin: string;
  readonly pathname: string;
  readonly protocol: string;
}

const Url = (globalThis as unknown as { URL: new (url: string, base?: string) => ParsedUrl }).URL;

/** `new URL(url, base)`; throws a TypeError for what is not a URL. */
export function parseUrl(url: string, base?: string): ParsedUrl {
  return base === undefined ? new Url(url) : new Url(url, base);
}
