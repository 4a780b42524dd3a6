import { describe, expect, it } from 'vitest';
import { NatlabError, errorAt, unknownToken, unsupported, withLoc } from './errors.js';

describe('NatlabError', () => {
  it('formats file:line:col, node, run line, token and message in that order', () => {
    const e = new NatlabError('unknown command', { file: 'scenarios/x.yaml', line: 12, col: 7, node: 'router', runLine: 3, token: 'foo' });
    expect(e.format()).toBe("scenarios/x.yaml:12:7: node router: line 3: 'foo': unknown command");
    expect(e.message).toBe(e.format());
  });

  it('prints only the parts that exist', () => {
    expect(errorAt('bad', { node: 'web' }).format()).toBe('node web: bad');
    expect(errorAt('bad', { file: 'a.yaml', line: 4 }).format()).toBe('a.yaml:4: bad');
    expect(errorAt('bad', { line: 4, col: 2 }).format()).toBe('4:2: bad');
    expect(errorAt('bad', { col: 9 }).format()).toBe('col 9: bad');
    expect(errorAt('bad').format()).toBe('bad');
  });

  it('names the token for unknown and unsupported words', () => {
    expect(unknownToken('option', '--frob', { node: 'r' }).format()).toBe("node r: '--frob': unknown option");
    expect(unsupported('|', 'pipes').format()).toBe("'|': not supported: pipes");
  });

  it('lets a caller add location parts the thrower did not know, without overriding', () => {
    const inner = (): never => {
      throw errorAt('no such chain', { token: 'FOO', line: 2 });
    };
    let caught: unknown;
    try {
      withLoc({ file: 's.yaml', node: 'router', line: 99 }, inner);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NatlabError);
    expect((caught as NatlabError).format()).toBe("s.yaml:2: node router: 'FOO': no such chain");
  });

  it('passes foreign errors through withLoc untouched', () => {
    const boom = new TypeError('x');
    expect(() =>
      withLoc({ node: 'n' }, () => {
        throw boom;
      }),
    ).toThrow(boom);
  });
});
