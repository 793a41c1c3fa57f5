import { describe, expect, it } from 'vitest';
import { initials } from '../../src/ringer/initials';

describe("the caller's initials on the ringer", () => {
  it('takes the first and last words, whatever the script', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('  grace   brewster murray hopper ')).toBe('GH');
    expect(initials('Linus')).toBe('L');
    expect(initials('Émile Zola')).toBe('ÉZ');
    expect(initials('李 小龍')).toBe('李小');
    expect(initials('𝒜da Lovelace')).toBe('𝒜L');
  });
  it('skips words that start with markup or punctuation', () => {
    expect(initials('Ada <img src=x onerror="window.pwned=1">')).toBe('AO');
  });
  it('falls back to the first character when no word starts with a letter', () => {
    expect(initials('+44 20')).toBe('2');
    expect(initials('(☎)')).toBe('(');
    expect(initials('')).toBe('');
  });
});
