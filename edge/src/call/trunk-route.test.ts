import { create } from '@bufbuild/protobuf';
import { SipTransport, SrtpPolicy, TrunkSchema } from '@hcc/proto';
import { describe, expect, it } from 'vitest';
import type { Flow, Transport } from '../sip/index.ts';
import { srtpMode, srtpRefusal, trunkHop, trunkTarget, trunkTlsRefusal, trunkUri } from './trunk-route.ts';

const trunk = (o: Parameters<typeof create<typeof TrunkSchema>>[1]) =>
  create(TrunkSchema, { id: 't', host: 'sip.carrier.example', ...o });
const flow = (protocol: Transport['protocol'], peerVerified?: boolean): Flow => ({
  transport: { protocol } as Transport,
  remoteAddress: '203.0.113.5',
  remotePort: 5061,
  ...(peerVerified === undefined ? {} : { peerVerified }),
});

describe('trunk route', () => {
  it("builds the hop and Request-URI from the trunk's transport (TLS on 5061 by default)", () => {
    expect(trunkHop(trunk({ transport: SipTransport.UNSPECIFIED }))).toEqual({
      protocol: 'UDP',
      address: 'sip.carrier.example',
      port: 5060,
    });
    expect(trunkHop(trunk({ transport: SipTransport.TCP, port: 5080 }))).toEqual({
      protocol: 'TCP',
      address: 'sip.carrier.example',
      port: 5080,
    });
    expect(trunkHop(trunk({ transport: SipTransport.TLS }))).toEqual({
      protocol: 'TLS',
      address: 'sip.carrier.example',
      port: 5061,
    });
    expect(trunkUri('+15550100', trunk({ transport: SipTransport.UDP }))).toBe(
      'sip:+15550100@sip.carrier.example:5060',
    );
    expect(trunkUri('+15550100', trunk({ transport: SipTransport.TCP }))).toBe(
      'sip:+15550100@sip.carrier.example:5060;transport=tcp',
    );
    expect(trunkUri('+15550100', trunk({ transport: SipTransport.TLS, host: '2001:db8::7' }))).toBe(
      'sip:+15550100@[2001:db8::7]:5061;transport=tls',
    );
  });

  it('marks the dial target SRTP when the trunk requires it', () => {
    expect(trunkTarget('+1555', trunk({ srtp: SrtpPolicy.REQUIRED })).srtp).toBe(true);
    expect(trunkTarget('+1555', trunk({ srtp: SrtpPolicy.OPTIONAL })).srtp).toBeUndefined();
    expect(
      [SrtpPolicy.UNSPECIFIED, SrtpPolicy.OFF, SrtpPolicy.OPTIONAL, SrtpPolicy.REQUIRED].map((srtp) =>
        srtpMode({ srtp }),
      ),
    ).toEqual(['optional', 'off', 'optional', 'required']);
    expect(srtpMode(undefined)).toBe('optional');
  });

  it("refuses a TLS trunk's requests over other transports, and without a verified certificate when required", () => {
    const udpTrunk = trunk({ transport: SipTransport.UDP });
    expect(trunkTlsRefusal(udpTrunk, flow('UDP'))).toBeUndefined();
    const tls = trunk({ transport: SipTransport.TLS });
    expect(trunkTlsRefusal(tls, flow('UDP'))).toBe('TLS Required');
    expect(trunkTlsRefusal(tls, flow('TCP'))).toBe('TLS Required');
    expect(trunkTlsRefusal(tls, flow('TLS', false))).toBeUndefined();
    const certified = trunk({ transport: SipTransport.TLS, requireClientCertificate: true });
    expect(trunkTlsRefusal(certified, flow('TLS', false))).toBe('Client Certificate Required');
    expect(trunkTlsRefusal(certified, flow('TLS'))).toBe('Client Certificate Required');
    expect(trunkTlsRefusal(certified, flow('TLS', true))).toBeUndefined();
  });

  it("refuses offers against the trunk's SRTP policy (INVITE and re-INVITE)", () => {
    const sdp = (proto: string) => `v=0\r\nm=audio 4000 ${proto} 0\r\n`;
    const at = (srtp: SrtpPolicy) =>
      ['RTP/AVP', 'RTP/SAVP', 'RTP/SAVPF'].map((p) => srtpRefusal({ srtp }, sdp(p)));
    expect(at(SrtpPolicy.REQUIRED)).toEqual(['SRTP Required', undefined, undefined]);
    expect(at(SrtpPolicy.OFF)).toEqual([undefined, 'SRTP Not Accepted', 'SRTP Not Accepted']);
    expect(at(SrtpPolicy.OPTIONAL)).toEqual([undefined, undefined, undefined]);
    expect(at(SrtpPolicy.UNSPECIFIED)).toEqual([undefined, undefined, undefined]);
    expect(srtpRefusal(undefined, sdp('RTP/SAVP'))).toBeUndefined();
  });
});
