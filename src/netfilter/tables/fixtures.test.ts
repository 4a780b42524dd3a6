/**
 * Replays sessions recorded on the real iptables 1.8.9 (nft) in a network
 * namespace (`fixtures/*.txt` → `fixtures/*.json`, by `fixtures/record.py`)
 * and checks that natlab prints byte-identical output and the same exit codes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runIptables } from '../../config/iptables.js';
import { runIptablesRestore } from '../../config/iptables-restore.js';
import { IptablesState } from './state.js';
import { iptablesSave } from './save.js';

interface Rec {
  argv: string[];
  exit: number;
  stdout: string;
  stderr: string;
  stdin?: string;
}

function replay(name: string): void {
  const recs = JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Rec[];
  const state = new IptablesState();
  recs.forEach((rec, k) => {
    it(`${k + 1}: ${rec.argv.join(' ')}`, () => {
      let got: { exit: number; stdout: string; stderr: string };
      if (rec.argv[0] === 'iptables-save') {
        got = { exit: 0, stdout: iptablesSave(state, { counters: rec.argv.includes('-c'), date: 'DATE' }), stderr: '' };
      } else if (rec.argv[0] === 'iptables-restore') {
        const opts = { counters: rec.argv.includes('-c'), noflush: rec.argv.includes('-n') };
        got = runIptablesRestore(state, rec.stdin ?? '', opts, { node: 'test' });
      } else {
        got = runIptables(state, rec.argv.slice(1), { node: 'test' });
      }
      expect(got).toEqual({ exit: rec.exit, stdout: rec.stdout, stderr: rec.stderr });
    });
  });
}

describe('prints exactly what iptables 1.8.9 (nft) printed for a corpus of rules', () => replay('rules'));
describe('restores tables atomically with the errors of iptables-restore 1.8.9 (nft)', () => replay('restore'));
describe('answers commands with the messages and exit codes of iptables 1.8.9 (nft)', () => replay('commands'));
