/**
 * TCP in the model: install it on a host, open connections, listen.
 * See sock.ts for what is modelled and what was measured.
 */
export { installTcp, tcpStack, TcpStack } from './stack.js';
export { tcpConnect, tcpListen, type ConnectRequest } from './connect.js';
export { TcpSock, TcpState, TCP_STATE_NAMES, type TcpEvents } from './sock.js';
export { TcpListener } from './listen.js';
export { nfSendReset, tcpV4SendReset, tcpNoSocket } from './reset.js';
export { tcpIcmpError } from './err.js';
export * from './errno.js';
