// MDP payload crypto (PROTOCOL.md 4.3, 5.2-5.4). The frame flags select the mode:
//   none             plaintext
//   SIGNED           plaintext || Ed25519 signature over SHA-512(plaintext)
//   CIPHERED|SIGNED  nonce(24) || crypto_box_easy_afternm(plaintext) (MAC first)
// "plaintext" is the MDP message: ports || data.

import type { CryptoProvider, Identity } from "./types";
import { NONCE_BYTES, generateNonce } from "./nonce";
import { MAC_BYTES, SIGNATURE_BYTES } from "./nacl-provider";
import { bytesEqual } from "../wire/bytes";

const FLAG_CIPHERED = 0x10; // = FRAME_CIPHERED in src/wire/types.ts
const FLAG_SIGNED = 0x20; // = FRAME_SIGNED

export type PayloadMode = "plain" | "signed" | "ciphered";

/** Crypto mode of a frame from its flags; undefined for CIPHERED without SIGNED (unsupported). */
export function payloadModeOfFlags(flags: number): PayloadMode | undefined {
  const ciphered = (flags & FLAG_CIPHERED) !== 0;
  const signed = (flags & FLAG_SIGNED) !== 0;
  if (ciphered) return signed ? "ciphered" : undefined;
  return signed ? "signed" : "plain";
}

/** The frame flag bits (CIPHERED/SIGNED) for a mode. */
export function flagsOfPayloadMode(mode: PayloadMode): number {
  if (mode === "ciphered") return FLAG_CIPHERED | FLAG_SIGNED;
  return mode === "signed" ? FLAG_SIGNED : 0;
}

/** Bytes the mode adds to the plaintext. */
export function payloadOverhead(mode: PayloadMode): number {
  if (mode === "ciphered") return NONCE_BYTES + MAC_BYTES;
  return mode === "signed" ? SIGNATURE_BYTES : 0;
}

/** plaintext || signature over SHA-512(plaintext). */
export function sealSigned(crypto: CryptoProvider, plain: Uint8Array, signSecret: Uint8Array): Uint8Array {
  const sig = crypto.signDetached(crypto.sha512(plain), signSecret);
  const out = new Uint8Array(plain.length + SIGNATURE_BYTES);
  out.set(plain, 0);
  out.set(sig, plain.length);
  return out;
}

/** The plaintext (a view into `payload`) if the trailing signature verifies, else undefined. */
export function openSigned(crypto: CryptoProvider, payload: Uint8Array, signPublic: Uint8Array): Uint8Array | undefined {
  if (payload.length < SIGNATURE_BYTES) return undefined;
  const plain = payload.subarray(0, payload.length - SIGNATURE_BYTES);
  const sig = payload.subarray(payload.length - SIGNATURE_BYTES);
  return crypto.verifyDetached(crypto.sha512(plain), sig, signPublic) ? plain : undefined;
}

/** The nonce of the frame being sealed: copied into its payload, so one buffer does. */
const nonceScratch = new Uint8Array(NONCE_BYTES);

/** nonce || box_afternm(plaintext), with a fresh nonce unless one is given. */
export function sealCiphered(crypto: CryptoProvider, plain: Uint8Array, sharedKey: Uint8Array, nonce?: Uint8Array): Uint8Array {
  const n = nonce ?? generateNonce((k) => crypto.randomBytes(k), nonceScratch);
  if (n.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
  // (per sent frame: one array, the nonce and box written in place by the shim)
  if (crypto.sealAfterNm) return crypto.sealAfterNm(plain, n, sharedKey);
  const boxed = crypto.boxAfterNm(plain, n, sharedKey);
  const out = new Uint8Array(NONCE_BYTES + boxed.length);
  out.set(n, 0);
  out.set(boxed, NONCE_BYTES);
  return out;
}

/** The plaintext if the MAC verifies, else undefined. */
export function openCiphered(crypto: CryptoProvider, payload: Uint8Array, sharedKey: Uint8Array): Uint8Array | undefined {
  if (payload.length < NONCE_BYTES + MAC_BYTES) return undefined;
  return crypto.boxOpenAfterNm(payload.subarray(NONCE_BYTES), payload.subarray(0, NONCE_BYTES), sharedKey);
}

/** What sealing needs: the sender's identity, and for "ciphered" the destination SID. */
export interface SealKeys {
  source: Identity;
  destinationSid?: Uint8Array;
}

/** Seal an MDP message for a frame carrying `mode` (see flagsOfPayloadMode);
 * undefined when the destination SID is not a usable key (small order). */
export function sealMdpPayload(crypto: CryptoProvider, mode: "plain" | "signed", plain: Uint8Array, keys: SealKeys): Uint8Array;
export function sealMdpPayload(crypto: CryptoProvider, mode: PayloadMode, plain: Uint8Array, keys: SealKeys): Uint8Array | undefined;
export function sealMdpPayload(crypto: CryptoProvider, mode: PayloadMode, plain: Uint8Array, keys: SealKeys): Uint8Array | undefined {
  switch (mode) {
    case "plain":
      return plain;
    case "signed":
      return sealSigned(crypto, plain, keys.source.signSecret);
    case "ciphered": {
      if (keys.destinationSid === undefined) throw new Error("ciphered MDP payload needs a destination SID (never cipher broadcasts)");
      const key = crypto.boxBeforeNm(keys.destinationSid, keys.source.boxSecret);
      return key === undefined ? undefined : sealCiphered(crypto, plain, key);
    }
  }
}

/** What opening needs. Missing keys give a "need-*" failure rather than an exception. */
export interface OpenKeys {
  /** SID of the frame's source (always known for a processed frame). */
  sourceSid: Uint8Array;
  /** Our identity the frame is addressed to (ciphered frames). */
  destination?: Identity;
  /** The source's Ed25519 key, if known (signed frames). */
  sourceSignPublic?: Uint8Array;
}

export type OpenFailure =
  | "unsupported" // CIPHERED without SIGNED: Serval DNA drops these too
  | "need-destination" // ciphered, but not addressed to one of our identities
  | "need-sign-key" // signed, but the source's signing key is unknown: send a keymap request
  | "too-short"
  | "bad-peer-key" // ciphered by a source whose SID is a small-order point (all-zero shared secret)
  | "bad-mac"
  | "bad-signature";

export type OpenResult = { ok: true; plain: Uint8Array } | { ok: false; reason: OpenFailure };

/** Open an MDP frame payload according to its frame flags. */
export function openMdpPayload(crypto: CryptoProvider, flags: number, payload: Uint8Array, keys: OpenKeys): OpenResult {
  const mode = payloadModeOfFlags(flags);
  if (mode === undefined) return { ok: false, reason: "unsupported" };
  if (mode === "plain") return { ok: true, plain: payload };
  if (mode === "signed") {
    if (keys.sourceSignPublic === undefined) return { ok: false, reason: "need-sign-key" };
    if (payload.length < SIGNATURE_BYTES) return { ok: false, reason: "too-short" };
    const plain = openSigned(crypto, payload, keys.sourceSignPublic);
    return plain === undefined ? { ok: false, reason: "bad-signature" } : { ok: true, plain };
  }
  if (keys.destination === undefined) return { ok: false, reason: "need-destination" };
  if (payload.length < NONCE_BYTES + MAC_BYTES) return { ok: false, reason: "too-short" };
  const key = crypto.boxBeforeNm(keys.sourceSid, keys.destination.boxSecret);
  if (key === undefined) return { ok: false, reason: "bad-peer-key" };
  const plain = openCiphered(crypto, payload, key);
  return plain === undefined ? { ok: false, reason: "bad-mac" } : { ok: true, plain };
}

// ---- Keymap (MDP port 1 <-> 1, PROTOCOL.md 5.4) ----

/** First byte of a keymap request and response (KEYTYPE_CRYPTOSIGN). */
export const KEYMAP_SIGN_KEY = 0x02;
export const KEYMAP_UNLOCK_REQUEST = 0xf0;
export const KEYMAP_UNLOCK_CHALLENGE = 0xf1;
export const KEYMAP_UNLOCK_RESPONSE = 0xf2;
export const KEYMAP_RESPONSE_BYTES = 1 + 32 + SIGNATURE_BYTES;

/** The keymap request payload (after the MDP ports). */
export function buildKeymapRequest(): Uint8Array {
  return Uint8Array.of(KEYMAP_SIGN_KEY);
}

/** 02 || signing key || signature over the raw 32-byte SID (no hashing). */
export function buildKeymapResponse(crypto: CryptoProvider, identity: Identity): Uint8Array {
  const out = new Uint8Array(KEYMAP_RESPONSE_BYTES);
  out[0] = KEYMAP_SIGN_KEY;
  out.set(identity.signPublic, 1);
  out.set(crypto.signDetached(identity.sid, identity.signSecret), 33);
  return out;
}

export interface KeymapResponse {
  signPublic: Uint8Array;
  /** The signing key also derives the SID (a CRYPTOCOMBINED identity). */
  combined: boolean;
}

/**
 * Check a keymap response from `sourceSid`; undefined if malformed or the
 * signature over the SID does not verify (Serval DNA then ignores it).
 */
export function parseKeymapResponse(crypto: CryptoProvider, payload: Uint8Array, sourceSid: Uint8Array): KeymapResponse | undefined {
  if (payload.length < KEYMAP_RESPONSE_BYTES || payload[0] !== KEYMAP_SIGN_KEY) return undefined;
  const signPublic = payload.slice(1, 33);
  const sig = payload.subarray(33, 33 + SIGNATURE_BYTES);
  if (!crypto.verifyDetached(sourceSid, sig, signPublic)) return undefined;
  const derived = crypto.sidFromSignKey(signPublic);
  return { signPublic, combined: derived !== undefined && bytesEqual(derived, sourceSid) };
}
