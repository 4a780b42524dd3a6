/** Types for the `pcap-parser` npm package (0.2.x), which ships none. */
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';
  import type { Readable } from 'node:stream';
  const pcapParser: { parse(input: string | Readable): EventEmitter };
  export default pcapParser;
}
