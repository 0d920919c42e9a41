/**
 * The visible path of a new INVITE: a named list of middleware steps, each doing one thing, ending
 * in one call session. `sip.use('INVITE', ...inboundPipeline(deps).map((s) => s.handler))`.
 *
 *   initCall -> traceSpan -> trunkAcl -> agentCall -> normalizeNumbers -> didLookup -> trunkCapacity -> flowLoad
 *   -> srtpPolicy -> sessionTimer -> startSession
 */
import { type ConfigBundle, Disposition, EndedBy, QueueEntry, type Trunk } from '@hcc/proto';
import { type Logger, uuid7 } from '@hcc/shared';
import { type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { type CallerPseudonymizer, normalizeCallerNumber } from '../events/index.ts';
import { type Handler, IpAllowList, isSipUri, type ServerRequest, SipError } from '../sip/index.ts';
import { deviceOf } from './agent-registrar.ts';
import { isBrowserUser } from './browser-device.ts';
import { ConsultCall, consultTarget } from './consult.ts';
import { withDirectCallEvents } from './direct-events.ts';
import { CallSession } from './session.ts';
import { negotiate, type TimerTerms, tooSmallHeaders } from './session-timer.ts';
import { srtpRefusal, trunkTlsRefusal } from './trunk-route.ts';
import type { CallServices, Step } from './types.ts';

export interface PipelineDeps {
  svc: CallServices;
  config: { current(): ConfigBundle | undefined };
  pseudonymizer: CallerPseudonymizer;
  tracer: Tracer;
  log: Logger;
}

/** What the steps learn about the call, kept on `req.locals.call`. */
interface InboundCall {
  interactionId: string;
  bundle: ConfigBundle;
  log: Logger;
  span?: Span;
  trunk?: Trunk;
  callerNumber?: string;
  calledNumber?: string;
  didId?: string;
  first?: Step;
  /** RFC 4028 terms the 200 OK will carry. */
  timer?: TimerTerms;
}

export interface PipelineStep {
  name: string;
  handler: Handler;
}

const callOf = (req: ServerRequest): InboundCall => {
  const c = req.locals['call'] as InboundCall | undefined;
  if (!c) throw new SipError(500, 'Server Internal Error');
  return c;
};

/** Trunk allow-lists, built once per bundle version. */
const aclCache = new WeakMap<ConfigBundle, Array<{ trunk: Trunk; acl: IpAllowList }>>();
function trunkAcls(bundle: ConfigBundle) {
  let v = aclCache.get(bundle);
  if (!v) {
    v = bundle.trunks.map((trunk) => ({ trunk, acl: new IpAllowList(trunk.allowedSourceCidrs) }));
    aclCache.set(bundle, v);
  }
  return v;
}

function normalize(raw: string | undefined, trunk: Trunk | undefined): string | undefined {
  if (!raw) return undefined;
  const n = trunk?.normalization;
  const stripped = n?.stripLeadingDigits ? raw.slice(n.stripLeadingDigits) : raw;
  return normalizeCallerNumber(stripped, {
    countryCode: n?.countryCode || '1',
    ...(n?.nationalPrefix ? { nationalPrefix: n.nationalPrefix } : {}),
    ...(n?.internationalPrefix ? { internationalPrefix: n.internationalPrefix } : {}),
  });
}

export function inboundPipeline(d: PipelineDeps): PipelineStep[] {
  const { svc } = d;
  const steps: Record<string, Handler> = {
    /** A new interaction id, the bundle it keeps for life, its child logger. */
    async initCall(req, next) {
      if (req.message.toTag) throw new SipError(481, 'Call/Transaction Does Not Exist');
      const bundle = d.config.current();
      if (!bundle) throw new SipError(503, 'Service Unavailable', { headers: [['Retry-After', '5']] });
      const interactionId = uuid7(svc.clock.now());
      const log = d.log.child({ call_id: interactionId, site: svc.site });
      req.locals['call'] = { interactionId, bundle, log } satisfies InboundCall;
      req.reply(100);
      await next();
    },
    /** One server span per inbound call setup; ids only as attributes, never numbers. */
    async traceSpan(req, next) {
      const c = callOf(req);
      const span = d.tracer.startSpan('call.inbound', {
        kind: SpanKind.SERVER,
        attributes: { 'hcc.interaction_id': c.interactionId, 'hcc.site': svc.site, 'sip.method': 'INVITE' },
      });
      c.span = span;
      try {
        await next();
        span.setAttribute('sip.status', req.finalStatus ?? 0);
      } catch (err) {
        span.setAttribute('sip.status', err instanceof SipError ? err.status : 500);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
        throw err;
      } finally {
        span.end();
      }
    },
    /**
     * The trunk whose allowed CIDRs contain the source address; anything else is refused. A TLS trunk's
     * INVITE over another transport, or without the client certificate it requires, is refused (403).
     */
    async trunkAcl(req, next) {
      const c = callOf(req);
      const src = req.flow.remoteAddress;
      const hit = trunkAcls(c.bundle).find((t) => t.acl.allows(src));
      if (!hit) {
        // Not a trunk: only an agent's phone (digest, next step) may call in.
        if (svc.agentAuth) return next();
        c.log.warn({ source: src }, 'INVITE from no trunk');
        throw new SipError(403, 'Forbidden');
      }
      c.trunk = hit.trunk;
      c.span?.setAttribute('hcc.trunk_id', hit.trunk.id);
      const refused = trunkTlsRefusal(hit.trunk, req.flow);
      if (refused) {
        c.log.warn(
          { trunk: hit.trunk.id, transport: req.flow.transport.protocol },
          'INVITE refused: trunk TLS policy',
        );
        throw new SipError(403, refused);
      }
      await next();
    },
    /** An agent phone (digest, 407) dialling another agent's extension: a consultation call. */
    async agentCall(req, next) {
      const c = callOf(req);
      if (c.trunk) return next();
      // Browsers (`web-*`) get their own MD5-only challenge; SIP phones the SHA-256 + MD5 one.
      const fromUri = req.message.from.uri;
      const web = isSipUri(fromUri) && isBrowserUser(fromUri.user ?? '') ? svc.browserAuth : undefined;
      const auth = web?.digest ?? svc.agentAuth!;
      const v = await auth.verify(req.message, req.flow.remoteAddress);
      if (!v.ok)
        throw new SipError(407, 'Proxy Authentication Required', {
          headers: auth.challenge(v.stale, req.message),
        });
      const from = web
        ? web.agentOf(v.username)
        : (deviceOf(c.bundle, v.username)?.agentId ??
          c.bundle.agents.find((a) => a.extension === v.username)?.id);
      const ruri = req.message.uri;
      const user = isSipUri(ruri) ? ruri.user : undefined;
      const to = user ? consultTarget(c.bundle, user, svc.trunkHealth) : undefined;
      if (!from || !to) throw new SipError(404, 'Not Found');
      c.span?.setAttribute('hcc.consult', true);
      const ref = to.kind === 'agent' && {
        interactionId: c.interactionId,
        configVersion: c.bundle.version,
        agentId: to.agent.id,
      };
      await ConsultCall.start(
        ref ? withDirectCallEvents(svc, ref) : svc,
        req,
        from,
        to,
        c.interactionId,
        c.log,
      );
    },
    /** Calling and called numbers to E.164 by the trunk's rules (kept off logs and spans). */
    async normalizeNumbers(req, next) {
      const c = callOf(req);
      const m = req.message;
      const pai = m.headers.get('p-asserted-identity');
      const fromUri = m.from.uri;
      let callerRaw = isSipUri(fromUri) ? fromUri.user : undefined;
      if (pai) {
        const u = /<?(?:sips?|tel):\+?([^@;>]+)/i.exec(pai)?.[0];
        if (u) callerRaw = u.replace(/^<?(?:sips?|tel):/i, '');
      }
      const ruri = m.uri;
      const calledRaw = isSipUri(ruri) ? ruri.user : undefined;
      c.callerNumber = normalize(callerRaw, c.trunk);
      c.calledNumber = normalize(calledRaw, c.trunk);
      await next();
    },
    /** The dialled number must be a DID of this site. */
    async didLookup(req, next) {
      const c = callOf(req);
      const did = c.bundle.dids.find((x) => x.number === c.calledNumber);
      if (!did) throw new SipError(404, 'Not Found');
      c.didId = did.id;
      c.span?.setAttribute('hcc.did_id', did.id);
      const t = did.target;
      if (t.case === 'flowId') c.first = { kind: 'flow', flowId: t.value };
      else if (t.case === 'queueId') c.first = { kind: 'queue', queueId: t.value, entry: QueueEntry.DID };
      else if (t.case === 'agentId') c.first = { kind: 'agent', agentId: t.value };
      else throw new SipError(404, 'Not Found');
      await next();
    },
    /** The trunk's concurrent call limit (both directions). */
    async trunkCapacity(req, next) {
      const c = callOf(req);
      const max = c.trunk?.maxConcurrentCalls ?? 0;
      if (max > 0 && c.trunk && svc.registry.callsOnTrunk(c.trunk.id) >= max)
        throw new SipError(503, 'Service Unavailable', { headers: [['Retry-After', '2']] });
      await next();
    },
    /** The DID's target exists in the bundle the call will keep. */
    async flowLoad(req, next) {
      const c = callOf(req);
      const f = c.first;
      const b = c.bundle;
      const ok =
        (f?.kind === 'flow' && b.flows.some((x) => x.id === f.flowId)) ||
        (f?.kind === 'queue' && b.queues.some((x) => x.id === f.queueId)) ||
        (f?.kind === 'agent' && b.agents.some((x) => x.id === f.agentId));
      if (!ok) throw new SipError(500, 'Server Internal Error');
      if (req.message.contentType?.toLowerCase() !== 'application/sdp' || req.message.body.length === 0)
        throw new SipError(488, 'Not Acceptable Here');
      await next();
    },
    /** The trunk's SRTP policy: REQUIRED refuses a plain RTP offer, OFF an SRTP one (488, RFC 4568 §7.5). */
    async srtpPolicy(req, next) {
      const refused = srtpRefusal(callOf(req).trunk, req.message.body.toString('utf8'));
      if (refused) throw new SipError(488, refused);
      await next();
    },
    /** RFC 4028 on calls from trunks: a Session-Expires below our Min-SE gets 422, else the terms of the 200 OK. */
    async sessionTimer(req, next) {
      const c = callOf(req);
      const t = negotiate(req.message, c.trunk?.sessionExpiresSeconds ?? 0, svc.minSessionExpiresS ?? 90);
      if (t.kind === 'too-small')
        throw new SipError(422, 'Session Interval Too Small', { headers: tooSmallHeaders(t.minSeS) });
      if (t.kind === 'timer') c.timer = t.terms;
      await next();
    },
    /** One call session owns the call from here on; the handler returns once the caller is answered. */
    async startSession(req) {
      const c = callOf(req);
      const m = req.message;
      const session = new CallSession(
        svc,
        {
          interactionId: c.interactionId,
          bundle: c.bundle,
          log: c.log,
          trunkId: c.trunk?.id ?? '',
          didId: c.didId ?? '',
          callerNumber: c.callerNumber,
          calledNumber: c.calledNumber,
          first: c.first!,
        },
        m.fromTag ?? '',
        m.callId,
      );
      svc.registry.add(session);
      svc.observer.emit('active', { calls: svc.registry.size });
      svc.observer.emit('offered', {
        ...session.ref,
        didId: c.didId ?? '',
        trunkId: c.trunk?.id ?? '',
        ...d.pseudonymizer.pseudonymize(c.callerNumber),
      });
      const answered = await session.answer(req, m.body.toString('utf8'), c.timer);
      if (answered && session.callerDialog) svc.registry.bind(session.callerDialog, session, 'caller');
      void session.run(answered ? c.first! : abandonedOrFailed(req)).finally(() => {
        svc.registry.remove(session);
        svc.observer.emit('active', { calls: svc.registry.size });
      });
    },
  };
  return Object.entries(steps).map(([name, handler]) => ({ name, handler }));
}

function abandonedOrFailed(req: ServerRequest): Step {
  return req.cancelled
    ? { kind: 'end', disposition: Disposition.ABANDONED, endedBy: EndedBy.CALLER }
    : { kind: 'end', disposition: Disposition.FAILED, endedBy: EndedBy.SYSTEM };
}
