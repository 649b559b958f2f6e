// The endpoints of one role, with a sticky choice: calls go to the endpoint that
// answered last, and move to the next one only when it fails. Sticking avoids
// spreading a client over nodes that may disagree on who leads (a lock follower
// forwards, which costs a hop) and keeps connections warm.

export class EndpointPool {
  private index = 0;

  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) throw new RangeError('an endpoint pool needs at least one URL');
  }

  /** The endpoint the next attempt should use. */
  current(): string {
    return this.urls[this.index]!;
  }

  /** `url` answered: stay with it. */
  succeeded(url: string): void {
    const i = this.urls.indexOf(url);
    if (i >= 0) this.index = i;
  }

  /**
   * `url` failed: move past it. Only when it is still the current one, so that
   * concurrent calls failing on the same endpoint skip it once, not once each.
   */
  failed(url: string): void {
    if (this.urls[this.index] === url) this.index = (this.index + 1) % this.urls.length;
  }
}

/** `http://host:port` without a trailing slash; throws on anything that is not an http(s) URL. */
export function normaliseBaseUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new RangeError(`endpoint ${url} is not an http(s) URL`);
  return url.replace(/\/+$/, '');
}
