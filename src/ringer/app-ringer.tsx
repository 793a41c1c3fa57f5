import { callUrl } from '../../protocol/call-links';
import { activeCallIds } from '../calls/active-call';
import { navigate } from '../use-route';
import { Ringer } from './ringer';

/** The app's own ringer: Accept opens the call screen in this tab, without a reload; a ring during a call is answered busy. */
export function AppRinger() {
  return (
    <Ringer
      isBusy={async (call) => (await activeCallIds()).some((id) => id !== call.sessionId)}
      onAccept={(call) => {
        const url = callUrl(call.sessionId, 'accept', location.origin);
        if (url) navigate(new URL(url).pathname + new URL(url).search);
      }}
    />
  );
}
