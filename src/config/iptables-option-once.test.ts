/**
 * An option given twice to one extension instance, as libxtables'
 * xtables_option_parse() refuses it for every x6 extension (one parsed
 * through its option table) before looking at the argument or a `!`, and as
 * the old-style libxt_tcp refuses it with texts of its own. Aliases share
 * an id (udp's --sport is --source-port), and the message names the first
 * entry of the table with that id; XTOPT_MULTI entries may repeat. The
 * texts and exit codes are those measured on iptables 1.8.9 (nf_tables),
 * recorded in full in tables/fixtures/repeats.txt.
 */
import { describe, expect, it } from 'vitest';
import { runIptables } from './iptables.js';
import { runIptablesRestore } from './iptables-restore.js';
import { IptablesState } from '../netfilter/tables/state.js';
import { iptablesSave } from '../netfilter/tables/save.js';

const HINT = "Try `iptables -h' or 'iptables --help' for more information.\n";
/** xtables_error(PARAMETER_PROBLEM, "...can only be used once.\n"): the text's own newline, then the hint */
const once = (ext: string, opt: string): string => `iptables v1.8.9 (nf_tables): ${ext}: option "--${opt}" can only be used once.\n\n${HINT}`;
const together = (ext: string, a: string, b: string): string =>
  `iptables v1.8.9 (nf_tables): ${ext}: option "--${a}" cannot be used together with "--${b}".\n\n${HINT}`;

function run(line: string): { exit: number; stderr: string; save: string } {
  const st = new IptablesState();
  runIptables(st, ['-N', 'c'], { node: 't' });
  runIptables(st, ['-t', 'mangle', '-N', 'c'], { node: 't' });
  const r = runIptables(st, line.split(' '), { node: 't' });
  return { exit: r.exit, stderr: r.stderr, save: iptablesSave(st, { counters: false, date: 'D' }) };
}

describe('an x6 match refuses an option given twice, naming the table entry', () => {
  it.each([
    ['-A c -m mark --mark 1 --mark 2', 'mark', 'mark'],
    ['-A c -m connmark --mark 1 --mark 2', 'connmark', 'mark'],
    ['-A c -m conntrack --ctstate NEW --ctstate ESTABLISHED', 'conntrack', 'ctstate'],
    ['-A c -m state --state NEW --state ESTABLISHED', 'state', 'state'],
    ['-A c -m comment --comment a --comment b', 'comment', 'comment'],
    ['-A c -m limit --limit 1/s --limit 2/s', 'limit', 'limit'],
    ['-A c -m recent --rcheck --rsource --rsource', 'recent', 'rsource'],
    ['-A c -p icmp --icmp-type 8 --icmp-type 0', 'icmp', 'icmp-type'],
  ])('%s', (line, ext, opt) => {
    expect(run(line)).toMatchObject({ exit: 2, stderr: once(ext, opt) });
  });

  it.each([
    ['-A c -p udp --dport 1 --dport 2', 'udp', 'destination-port'],
    ['-A c -p udp --sport 1 --source-port 2', 'udp', 'source-port'],
    ['-A c -p tcp -m multiport --sports 1 --sports 2', 'multiport', 'source-ports'],
    ['-A c -p tcp -m multiport --dports 1 --destination-ports 2', 'multiport', 'destination-ports'],
    ['-A c -m hashlimit --hashlimit 1/s --hashlimit-upto 2/s --hashlimit-name h', 'hashlimit', 'hashlimit-upto'],
    ['-A c -m ttl --ttl 1 --ttl-eq 2', 'ttl', 'ttl-eq'],
  ])('an alias shares the id of the entry it aliases: %s', (line, ext, opt) => {
    expect(run(line)).toMatchObject({ exit: 2, stderr: once(ext, opt) });
  });

  it('before it looks at a `!` or the argument', () => {
    expect(run('-A c -m mark --mark 1 ! --mark 2')).toMatchObject({ exit: 2, stderr: once('mark', 'mark') });
    expect(run('-A c -m comment --comment a ! --comment b')).toMatchObject({ exit: 2, stderr: once('comment', 'comment') });
    expect(run('-A c -p udp --dport 1 --dport x')).toMatchObject({ exit: 2, stderr: once('udp', 'destination-port') });
  });

  it('an alias takes the flags of its entry: `! --ttl 6` is `! --ttl-eq 6`', () => {
    const r = run('-A c -m ttl ! --ttl 6');
    expect(r.exit).toBe(0);
    expect(r.save).toContain('-A c -m ttl ! --ttl-eq 6\n');
  });

  it('but a second -m of the same match is a new instance with flags of its own', () => {
    const r = run('-A c -m mark --mark 1 -m mark --mark 2');
    expect(r.exit).toBe(0);
    expect(r.save).toContain('-A c -m mark --mark 0x1 -m mark --mark 0x2\n');
  });

  it('and a target with an option of the same name keeps its own flags', () => {
    expect(run('-t mangle -A c -m mark --mark 1 -j MARK --set-mark 2 --set-mark 3')).toMatchObject({ exit: 2, stderr: once('MARK', 'set-mark') });
  });
});

describe('an XTOPT_MULTI option may repeat (policy\'s element options)', () => {
  it('one per element, --next starting the next one', () => {
    const r = run('-A INPUT -m policy --dir in --pol ipsec --strict --reqid 1 --next --reqid 2 --next --reqid 3');
    expect(r.exit).toBe(0);
    expect(r.save).toContain('-A INPUT -m policy --dir in --pol ipsec --strict --reqid 1 --next --reqid 2 --next --reqid 3\n');
  });

  it('policy_parse() itself refuses a second one in the same element', () => {
    expect(run('-A INPUT -m policy --dir in --pol ipsec --spi 1 --spi 2')).toMatchObject({
      exit: 2,
      stderr: `iptables v1.8.9 (nf_tables): policy match: double --spi option\n${HINT}`,
    });
  });

  it('the options that are not XTOPT_MULTI are refused', () => {
    expect(run('-A INPUT -m policy --dir in --dir in --pol none')).toMatchObject({ exit: 2, stderr: once('policy', 'dir') });
  });
});

describe('an x6 target refuses an option given twice', () => {
  it.each([
    ['-t mangle -A c -j MARK --set-xmark 1 --set-xmark 2', 'MARK', 'set-xmark'],
    ['-t mangle -A c -j CONNMARK --save-mark --save-mark', 'CONNMARK', 'save-mark'],
    ['-t nat -A POSTROUTING -j SNAT --to-source 10.0.0.1 --to-source 10.0.0.2', 'SNAT', 'to-source'],
    ['-t nat -A PREROUTING -j DNAT --to-destination 10.0.0.1 --persistent --persistent', 'DNAT', 'persistent'],
    ['-A c -j LOG --log-prefix a --log-prefix b', 'LOG', 'log-prefix'],
    ['-A c -p tcp -j REJECT --reject-with tcp-reset --reject-with icmp-port-unreachable', 'REJECT', 'reject-with'],
    ['-t raw -A PREROUTING -j CT --notrack --notrack', 'CT', 'notrack'],
  ])('%s', (line, ext, opt) => {
    expect(run(line)).toMatchObject({ exit: 2, stderr: once(ext, opt) });
  });

  it('DNAT has no --random-fully and MASQUERADE no --persistent in 1.8.9', () => {
    expect(run('-t nat -A PREROUTING -j DNAT --to-destination 10.0.0.1 --random-fully').stderr).toBe(
      `iptables v1.8.9 (nf_tables): unknown option "--random-fully"\n${HINT}`,
    );
    expect(run('-t nat -A POSTROUTING -j MASQUERADE --persistent').stderr).toBe(`iptables v1.8.9 (nf_tables): unknown option "--persistent"\n${HINT}`);
  });
});

describe('options whose entries exclude each other (.excl), checked once the rule is read', () => {
  it.each([
    ['-t mangle -A c -j MARK --xor-mark 1 --set-xmark 2', together('MARK', 'set-xmark', 'xor-mark')],
    ['-t mangle -A c -j MARK --or-mark 1 --and-mark 2 --set-mark 3', together('MARK', 'set-mark', 'and-mark')],
    ['-t mangle -A c -j CONNMARK --save-mark --restore-mark', together('CONNMARK', 'save-mark', 'restore-mark')],
    ['-t mangle -A c -j CONNMARK --save-mark --nfmask 1 --mask 2', together('CONNMARK', 'nfmask', 'mask')],
    ['-t mangle -A c -j TOS --xor-tos 1 --or-tos 2', together('TOS', 'or-tos', 'xor-tos')],
    ['-A c -m ttl --ttl-gt 1 --ttl-eq 2', together('ttl', 'ttl-gt', 'ttl-eq')],
  ])('%s: the first given in table order, with the given one of lowest id', (line, stderr) => {
    expect(run(line)).toMatchObject({ exit: 2, stderr });
  });

  it.each([
    ['-A c -m dscp --dscp-class EF --dscp 1', together('dscp', 'dscp', 'dscp-class')],
    ['-A c -m connlimit --connlimit-above 1 --connlimit-upto 2', together('connlimit', 'connlimit-upto', 'connlimit-above')],
    ['-A c -m recent --remove --rcheck --update', together('recent', 'rcheck', 'update')],
    ['-A c -m recent --set --rttl', together('recent', 'rttl', 'set')],
    ['-A c -p tcp -m multiport --dports 1 --sports 2', together('multiport', 'source-ports', 'destination-ports')],
    ['-A c -m string --algo bm --hex-string |41| --string a', together('string', 'string', 'hex-string')],
    ['-t mangle -A c -j TTL --ttl-inc 1 --ttl-dec 2', together('TTL', 'ttl-dec', 'ttl-inc')],
  ])('%s: in either order', (line, stderr) => {
    expect(run(line)).toMatchObject({ exit: 2, stderr });
  });

  it('only once the rule is read: a bad value given later wins', () => {
    expect(run('-A c -m dscp --dscp-class EF --dscp 99').stderr).toBe(
      `iptables v1.8.9 (nf_tables): dscp: bad value for option "--dscp", or out of range (0-63).\n\n${HINT}`,
    );
  });

  it('.also: an option needing another may come before it (policy --next ... --strict)', () => {
    expect(run('-A INPUT -m policy --dir in --pol ipsec --reqid 1 --next --reqid 2 --strict').exit).toBe(0);
    expect(run('-A INPUT -m policy --dir in --pol ipsec --next')).toMatchObject({
      exit: 2,
      stderr: `iptables v1.8.9 (nf_tables): policy: option "--next" also requires "--strict".\n\n${HINT}`,
    });
    expect(run('-A c -m recent --rcheck --reap')).toMatchObject({
      exit: 2,
      stderr: `iptables v1.8.9 (nf_tables): recent: option "--reap" also requires "--seconds".\n\n${HINT}`,
    });
  });

  it('XTOPT_MAND in table order among them: statistic\'s --mode before the others', () => {
    expect(run('-A c -m statistic --probability 0.5 --every 2 --packet 1').stderr).toBe(
      `iptables v1.8.9 (nf_tables): statistic: option "--mode" must be specified\n\n${HINT}`,
    );
  });

  it('after the extension\'s own final check: NFLOG warns about --nflog-range first', () => {
    expect(run('-A c -j NFLOG --nflog-size 1 --nflog-range 2')).toMatchObject({
      exit: 2,
      stderr:
        'warn: --nflog-range has never worked and is no longer supported, please use --nflog-size instead\n' +
        together('NFLOG', 'nflog-range', 'nflog-size'),
    });
  });
});

describe('old-style tcp has texts of its own (no blank line)', () => {
  it.each([
    ['-A c -p tcp --sport 1 --source-port 2', "Only one `--source-port' allowed"],
    ['-A c -p tcp --dport 1 ! --dport 2', "Only one `--destination-port' allowed"],
    ['-A c -p tcp --syn --tcp-flags SYN SYN', "Only one of `--syn' or `--tcp-flags'  allowed"],
    ['-A c -p tcp --tcp-option 2 --tcp-option 3', "Only one `--tcp-option' allowed"],
  ])('%s', (line, text) => {
    expect(run(line)).toMatchObject({ exit: 2, stderr: `iptables v1.8.9 (nf_tables): ${text}\n${HINT}` });
  });
});

describe('iptables-restore', () => {
  it('prints the same text, then the line of the rule', () => {
    const st = new IptablesState();
    const r = runIptablesRestore(st, '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m mark --mark 1 --mark 2\nCOMMIT\n', { counters: false, noflush: false }, { node: 't' });
    expect(r).toEqual({
      exit: 2,
      stdout: '',
      stderr:
        'iptables-restore v1.8.9 (nf_tables): mark: option "--mark" can only be used once.\n\nError occurred at line: 3\n' +
        "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n",
    });
  });
});
