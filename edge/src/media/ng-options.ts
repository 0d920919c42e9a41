/** Turns the typed NG options into rtpengine's dictionary keys, and typed replies out of raw ones. */
import { type BencodeDict, type BencodeValue, type Encodable, isDict } from './bencode.ts';
import type {
  BlockOptions,
  CallRef,
  DeleteOptions,
  NgReplyBase,
  PlayDtmfOptions,
  PlayMediaOptions,
  QueryReply,
  SdpCommandOptions,
  SdpReply,
  TagInfo,
} from './ng-types.ts';

export type NgArgs = Record<string, Encodable | undefined>;

export function callRefArgs(ref: CallRef): NgArgs {
  return {
    'call-id': ref.callId,
    'from-tag': ref.fromTag,
    'to-tag': ref.toTag,
    'via-branch': ref.viaBranch,
  };
}

export function sdpArgs(o: SdpCommandOptions & { toTag?: string }): NgArgs {
  const codec = o.codec
    ? {
        strip: o.codec.strip,
        except: o.codec.except,
        transcode: o.codec.transcode,
        mask: o.codec.mask,
        offer: o.codec.offer,
      }
    : undefined;
  return {
    ...callRefArgs(o),
    sdp: o.sdp,
    replace: o.replace,
    ICE: o.ice,
    'transport-protocol': o.transportProtocol,
    'rtcp-mux': o.rtcpMux,
    SDES: o.sdes,
    DTLS: o.dtls,
    flags: o.flags,
    codec,
    'record call': o.recordCall === undefined ? undefined : o.recordCall ? 'yes' : 'no',
    label: o.label,
    direction: o.direction,
    ...o.extra,
  };
}

export function deleteArgs(o: DeleteOptions): NgArgs {
  return { ...callRefArgs(o), 'delete delay': o.deleteDelay ?? 0 };
}

export function playMediaArgs(o: PlayMediaOptions): NgArgs {
  return {
    'call-id': o.callId,
    'from-tag': o.fromTag,
    'to-tag': o.toTag,
    file: o.file,
    'repeat-times': o.repeatTimes,
    'start-pos': o.startPosMs,
  };
}

export function playDtmfArgs(o: PlayDtmfOptions): NgArgs {
  return {
    'call-id': o.callId,
    'from-tag': o.fromTag,
    'to-tag': o.toTag,
    code: o.code,
    duration: o.durationMs,
    volume: o.volume,
    pause: o.pauseMs,
  };
}

export function blockArgs(o: BlockOptions): NgArgs {
  return {
    'call-id': o.callId,
    'from-tag': o.fromTag,
    'to-tag': o.toTag,
    flags: o.all ? ['all'] : undefined,
  };
}

export function baseReply(raw: BencodeDict): NgReplyBase {
  const warning = str(raw['warning']);
  return warning === undefined ? { raw } : { raw, warning };
}

export function toSdpReply(command: string, raw: BencodeDict): SdpReply {
  const sdp = str(raw['sdp']);
  if (sdp === undefined) throw new TypeError(`rtpengine ${command} reply has no sdp`);
  const recs = raw['recordings'];
  const recordings = Array.isArray(recs) ? recs.map(str).filter((s): s is string => s !== undefined) : [];
  return { ...baseReply(raw), sdp, recordings };
}

/** Sum of `stats.packets` over the streams of a tag's medias (a query reply). */
function packetsIn(medias: unknown): number {
  let n = 0;
  if (!Array.isArray(medias)) return n;
  for (const m of medias) {
    const streams = isDict(m) ? m['streams'] : undefined;
    if (!Array.isArray(streams)) continue;
    for (const st of streams) {
      const stats = isDict(st) && isDict(st['stats']) ? st['stats'] : undefined;
      n += (stats && num(stats['packets'])) ?? 0;
    }
  }
  return n;
}

export function toQueryReply(raw: BencodeDict): QueryReply {
  const tags: Record<string, TagInfo> = {};
  const rawTags = raw['tags'];
  if (isDict(rawTags)) {
    for (const [key, value] of Object.entries(rawTags)) {
      if (!isDict(value)) continue;
      const subs = value['subscriptions'];
      const info: TagInfo = {
        tag: str(value['tag']) ?? key,
        subscriptions: Array.isArray(subs)
          ? subs.map((s) => (isDict(s) ? str(s['tag']) : undefined)).filter((s): s is string => !!s)
          : [],
        packetsIn: packetsIn(value['medias']),
      };
      const label = str(value['label']);
      if (label !== undefined) info.label = label;
      const via = str(value['via-branch']);
      if (via !== undefined) info.viaBranch = via;
      tags[key] = info;
    }
  }
  const totals = isDict(raw['totals']) ? raw['totals'] : {};
  const rtp = isDict(totals['RTP']) ? totals['RTP'] : {};
  const rtcp = isDict(totals['RTCP']) ? totals['RTCP'] : {};
  const reply: QueryReply = {
    ...baseReply(raw),
    tags,
    totals: {
      rtpPackets: num(rtp['packets']) ?? 0,
      rtpBytes: num(rtp['bytes']) ?? 0,
      rtcpPackets: num(rtcp['packets']) ?? 0,
    },
  };
  const created = num(raw['created']);
  if (created !== undefined) reply.created = created;
  return reply;
}

export function str(v: BencodeValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

export function num(v: BencodeValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}
