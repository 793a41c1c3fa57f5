/**
 * ringkit/client: what a host app's page uses to make this device ring.
 *
 * 1. Sign the user in: `setUserToken(token)` with the token the host's backend
 *    minted (design.md "Tokens"); `setCometChatAuthToken(token)` after the
 *    host's own CometChat login, when CometChat is to be told the answer.
 * 2. Find out what this browser can do: `ringingState(facts)` turns what the
 *    page knows (platform, permission, subscription) into the one state to show.
 * 3. Turn ringing on inside the user's click: `loadPushContext()` beforehand,
 *    `enableRinging(ctx, session)` in the click handler; `confirmDevice` on
 *    every start; `disableRinging` to stop.
 * 4. Hear calls while a page is open: `onCallEvents(listener)`.
 * 5. Answer where a notification's Accept lands (`/call/<id>?action=accept`):
 *    `parseCallLink(location)`, then `acceptCall(sessionId)` / `declineCall`, `endCall` on hang-up.
 */
export { setUserToken, readSession, sessionFromToken, SESSION_CHANGED, type Session } from './session';
export { setCometChatAuthToken } from './calls/cometchat-login';
export { configureCometChat, type CometChatConfig } from './calls/cometchat-config';
export {
  detectPlatform,
  compareVersions,
  IOS_PUSH_MIN,
  type Platform,
  type PlatformInput,
  type Verdict,
  type Version,
  type OsName,
  type BrowserName,
  type InAppBrowser,
} from './platform/detect';
export { readPlatformInput } from './platform/environment';
export { ringingState, type RingingFacts, type RingingState, type RingingProblem } from './push/ringing-state';
export {
  loadPushContext,
  currentSubscription,
  enableRinging,
  confirmDevice,
  disableRinging,
  forgetThisDevice,
  removeDevice,
  RingingError,
  type PushContext,
} from './push/subscription';
export { onCallEvents, type CallEvent } from './call-events';
export { acceptCall, declineCall, endCall, rungCall, type AnswerResult, type RungCall } from './calls/call-answers';
export { parseCallLink, callUrl, type CallIntent } from '../protocol/call-links';
