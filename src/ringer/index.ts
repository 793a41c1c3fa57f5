/**
 * The ringer's library entry (vite.ringer.config.ts → dist/ringer/ringkit-ringer.js,
 * Preact bundled in). Loading it defines <ringkit-ringer>; Preact apps can
 * render <Ringer> directly.
 */
import { defineRingKitRinger } from './element';

export { Ringer, DEFAULT_RINGTONE, type RingerProps, type RingingCall, type DismissReason } from './ringer';
export { RingKitRingerElement, defineRingKitRinger, RINGER_TAG } from './element';
export type { RingerEventDetail, DeclineEventDetail, DismissedEventDetail } from './element';

defineRingKitRinger();
