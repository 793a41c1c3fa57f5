/**
 * Chromium's own definitions of its GCM client protocol, loaded unmodified
 * with protobufjs: google_apis/gcm/protocol/mcs.proto, checkin.proto and
 * android_checkin.proto (BSD licence, Copyright The Chromium Authors), in the
 * copies the push-receiver package ships (src/mcs.proto, src/gcm/*.proto).
 * They differ from Chromium's current files only in the older wording of the
 * copyright line. Types are named by their real packages: mcs_proto.*,
 * checkin_proto.*.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

const source = join(dirname(createRequire(import.meta.url).resolve('push-receiver/package.json')), 'src');
// checkin.proto imports android_checkin.proto from its own folder.
const root = protobuf.loadSync([join(source, 'mcs.proto'), join(source, 'gcm', 'checkin.proto')]);

export type GcmTypeName = `mcs_proto.${string}` | `checkin_proto.${string}`;

export const gcmType = (name: GcmTypeName): protobuf.Type => root.lookupType(name);

/** Throws, as Chromium's parser refuses it, on a message missing a `required` field. */
export function decodeGcm<T>(name: GcmTypeName, bytes: Uint8Array): T {
  const t = gcmType(name);
  return t.toObject(t.decode(bytes), { longs: String, enums: String, bytes: Buffer }) as T;
}

/**
 * protobufjs would write an unset `required` field as its default, which
 * Chromium's parser takes without complaint: refuse to encode such a message.
 */
export function encodeGcm(name: GcmTypeName, value: object): Buffer {
  const t = gcmType(name);
  const message = t.fromObject(value);
  const invalid = t.verify(t.toObject(message));
  if (invalid) throw new Error(`${name}: ${invalid}`);
  return Buffer.from(t.encode(message).finish());
}
