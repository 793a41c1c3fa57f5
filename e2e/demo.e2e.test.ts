/**
 * `npm run demo` (e2e/demo.ts) keeps the README's promise: with no display it
 * plays the two-browser story itself, and Ada's Firefox rings for Grace's
 * call without the internet.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../test/support/sender-process';

describe('npm run demo', () => {
  it('plays the story on loopback push services: Ada turns ringing on, Grace calls, Ada rings', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'e2e/demo.ts', '--auto'], { cwd: ROOT, timeout: 90_000 });
    expect(stdout).toContain('1. Ada signed in and turned ringing on');
    expect(stdout).toContain('3. Ada\'s Firefox rang: a notification "Incoming call from Grace" with Accept and Decline, and the page\'s ringer shows Grace.');
    expect(stdout).toContain('The story works on this machine.');
  }, 100_000);
});
