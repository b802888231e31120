// Keymap / SAS messages, MDP port 1 <-> 1 (PROTOCOL.md 5.4). The MDP data after the ports:
//   request  02                                 (send me your signing key)
//   response 02 || signKey(32) || sig(64)       sig = Ed25519 detached over the responder's raw SID
//   unlock   F0 || sig   F1 || challenge   F2 || challenge || sig   (decoded as raw bodies)
//
// API:
//   decodeKeymap(data): KeymapMessage            throws WireError on unknown type or bad length
//   encodeKeymapRequest(w)   encodeKeymapResponse(w, signKey, signature)

import { ByteReader, ByteWriter, WireError } from "./bytes";

export const KEYTYPE_CRYPTOSIGN = 0x02;
export const UNLOCK_REQUEST = 0xf0;
export const UNLOCK_CHALLENGE = 0xf1;
export const UNLOCK_RESPONSE = 0xf2;
export const SIGN_PUBLIC_BYTES = 32;
export const SIGNATURE_BYTES = 64;

export type KeymapMessage =
  | { kind: "request" }
  | { kind: "response"; signKey: Uint8Array; signature: Uint8Array }
  | { kind: "unlock-request" | "unlock-challenge" | "unlock-response"; body: Uint8Array };

export function decodeKeymap(data: Uint8Array): KeymapMessage {
  const r = new ByteReader(data);
  const type = r.u8();
  switch (type) {
    case KEYTYPE_CRYPTOSIGN:
      if (r.remaining() === 0) return { kind: "request" };
      if (r.remaining() !== SIGN_PUBLIC_BYTES + SIGNATURE_BYTES) {
        throw new WireError(`keymap response of ${data.length} bytes`);
      }
      return { kind: "response", signKey: r.bytes(SIGN_PUBLIC_BYTES), signature: r.bytes(SIGNATURE_BYTES) };
    case UNLOCK_REQUEST: return { kind: "unlock-request", body: r.bytes(r.remaining()) };
    case UNLOCK_CHALLENGE: return { kind: "unlock-challenge", body: r.bytes(r.remaining()) };
    case UNLOCK_RESPONSE: return { kind: "unlock-response", body: r.bytes(r.remaining()) };
    default: throw new WireError(`unknown keymap message type 0x${type.toString(16)}`);
  }
}

export function encodeKeymapRequest(w: ByteWriter): void {
  w.u8(KEYTYPE_CRYPTOSIGN);
}

export function encodeKeymapResponse(w: ByteWriter, signKey: Uint8Array, signature: Uint8Array): void {
  if (signKey.length !== SIGN_PUBLIC_BYTES || signature.length !== SIGNATURE_BYTES) {
    throw new WireError("keymap response needs a 32-byte key and a 64-byte signature");
  }
  w.u8(KEYTYPE_CRYPTOSIGN);
  w.bytes(signKey);
  w.bytes(signature);
}
