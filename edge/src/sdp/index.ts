export {
  type Connection,
  type Direction,
  MediaDescription,
  type Origin,
  parseSdp,
  type Rtpmap,
  SdpParseError,
  SdpSection,
  SessionDescription,
} from './sdp.ts';
