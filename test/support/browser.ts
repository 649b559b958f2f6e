import { chromium, type Browser } from 'playwright-core';
import { findExecutable } from '../../scripts/local-cluster/redis-server.js';

// The browser of the console tests: Debian's `chromium`, driven by
// playwright-core (which downloads no browser of its own and loads as
// CommonJS, as jest runs the suites). DSS_CHROMIUM names another executable.

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The browser executable, or undefined when none is installed. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.DSS_CHROMIUM) return env.DSS_CHROMIUM;
  for (const name of CANDIDATES) {
    const path = findExecutable(name, env);
    if (path) return path;
  }
  return undefined;
}

export const CHROMIUM_MISSING = 'chromium is not installed (Debian: apt-get install chromium; or set DSS_CHROMIUM)';

/** A laptop's screen. */
export const VIEWPORT = { width: 1366, height: 800 } as const;

/** Headless; as root Chromium needs --no-sandbox (CI runs as root). */
export function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'],
  });
}
