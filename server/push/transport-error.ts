import type { TransportErrorCode } from './outcome';

/** Names a network failure the way delivery outcomes record it. */
export function transportErrorCode(err: Error): TransportErrorCode {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EPROXYREFUSED') return 'proxy'; // the egress proxy would not open a tunnel
  // An HTTP/2 stream or session torn down (RST_STREAM, GOAWAY, a lost socket) is the h2 form of a reset.
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code.startsWith('ERR_HTTP2')) return 'reset';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code)) return 'tls';
  return 'network';
}
