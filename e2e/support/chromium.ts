import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium: Playwright cannot download its own browsers here. */
export function chromiumPath(): string {
  return execFileSync('bash', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
}

/**
 * A persistent profile in a fresh directory, as a user's browser has: an
 * incognito context (Playwright's default) is never installable.
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ringkit-chromium-')), {
    executablePath: chromiumPath(),
    headless: true,
    // Without the background-networking flags Chromium keeps dialling Google's
    // hosts, which this closed network refuses.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}
