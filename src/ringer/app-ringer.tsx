import { callUrl } from '../../sw/click-target';
import { navigate } from '../use-route';
import { Ringer } from './ringer';

/** The app's own ringer: Accept opens the call screen in this tab, without a reload. */
export function AppRinger() {
  return (
    <Ringer
      onAccept={(call) => {
        const url = callUrl(call.sessionId, 'accept', location.origin);
        if (url) navigate(new URL(url).pathname + new URL(url).search);
      }}
    />
  );
}
