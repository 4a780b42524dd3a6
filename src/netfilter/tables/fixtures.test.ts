/**
 * Replays sessions recorded on the real iptables 1.8.9 (nft) in a network
 * namespace (`fixtures/*.txt` → `fixtures/*.json`, by `fixtures/record.py`)
 * and checks that natlab prints byte-identical output and the same exit codes.
 */
import { readFileSync } from 'node:fs';
import { describe } from 'vitest';
import { replay, type Rec } from './fixtures/replay.js';

const session = (name: string): Rec[] => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Rec[];

describe('prints exactly what iptables 1.8.9 (nft) printed for a corpus of rules', () => replay(session('rules')));
describe('restores tables atomically with the errors of iptables-restore 1.8.9 (nft)', () => replay(session('restore')));
describe('answers commands with the messages and exit codes of iptables 1.8.9 (nft)', () => replay(session('commands')));
describe('lists rules with their counters (-S -v, -L -v) as iptables 1.8.9 (nft) does', () => replay(session('listing')));
