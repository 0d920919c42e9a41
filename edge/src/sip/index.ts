// Public face of the SIP layer. The call layer imports from here only; files under ./message, ./transaction
// ... are internals.

export { type Clock, FakeClock, systemClock, type TimerHandle } from '@hcc/shared';
export { allowFrom, IpAllowList } from './auth/acl.ts';
export type { DigestAlgorithm } from './auth/digest.ts';
export { DigestClient, type DigestCredentials, sendWithDigest } from './auth/digest-client.ts';
export {
  claimedUser,
  DEFAULT_DIGEST_POLICY,
  type DigestPolicy,
  digestAlgorithm,
  digestOffer,
} from './auth/digest-policy.ts';
export {
  DigestServer,
  type DigestServerOptions,
  type DigestUser,
  type VerifyResult,
} from './auth/digest-server.ts';
export { OutgoingRequest } from './client-request.ts';
export {
  Dialog,
  type DialogId,
  type DialogRole,
  type DialogState,
  type InDialogOptions,
} from './dialog/dialog.ts';
export {
  SipError,
  SipParseError,
  TransactionStateError,
  TransactionTimeoutError,
  TransportError,
} from './errors.ts';
export { type SipLogger, silentSipLogger } from './logger.ts';
export { formatNameAddr, type NameAddr, parseNameAddr } from './message/address.ts';
export {
  createResponse,
  newBranch,
  newCallId,
  newTag,
  REASONS,
  type ResponseOptions,
} from './message/build.ts';
export { type Params, percentDecode } from './message/grammar.ts';
export { Headers, headerKey } from './message/headers.ts';
export { type CSeq, type SipMessage, SipRequest, SipResponse } from './message/message.ts';
export { DEFAULT_LIMITS, type ParseLimits, parseMessage } from './message/parser.ts';
export {
  formatUri,
  isSipUri,
  isTelUri,
  type OtherUri,
  parseUri,
  type SipUri,
  type TelUri,
  type Uri,
  uriEquals,
} from './message/uri.ts';
export { DEFAULT_CAPABILITIES, type UasCapabilities } from './message/validate.ts';
export { formatVia, type Via } from './message/via.ts';
export { AuthBan, type AuthBanOptions, DEFAULT_AUTH_BAN } from './protect/auth-ban.ts';
export { type ProtectionCounters, SourceGuard, type SourceGuardOptions } from './protect/guard.ts';
export {
  DEFAULT_OVERLOAD,
  LoadMonitor,
  type OverloadGuard,
  type OverloadOptions,
  StaticOverload,
} from './protect/overload.ts';
export {
  KAMAILIO_PIKE_DEFAULTS,
  RateLimiter,
  type RateLimitOptions,
  type RateVerdict,
  type SourceAdmission,
} from './protect/rate-limit.ts';
export { aorOf, Registrar, type RegistrarOptions } from './registrar/registrar.ts';
export { type Binding, type BindingStore, MemoryBindingStore } from './registrar/store.ts';
export { type Handler, type Next, Router } from './router.ts';
export { ServerRequest } from './server-request.ts';
export { type SendOptions, SipStack, type SipStackOptions, SipStats } from './stack.ts';
export { DEFAULT_TIMERS, type TimerValues } from './transaction/transaction.ts';
export { MemoryNetwork, MemoryTransport } from './transport/memory.ts';
export { type TcpOptions, TcpTransport } from './transport/tcp.ts';
export { type TlsOptions, TlsTransport } from './transport/tls.ts';
export type { Destination, Flow, Transport, TransportProtocol } from './transport/transport.ts';
export { type UdpOptions, UdpTransport } from './transport/udp.ts';
export { type WsOptions, WsTransport } from './transport/ws.ts';
