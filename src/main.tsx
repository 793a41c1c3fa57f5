import { render } from 'preact';
import { App } from './app';
import { adoptHandedOverToken } from './calls/cometchat-login';
import { SESSION_CHANGED } from './session';
import { listenForInstallOffer } from './install/install-prompt';
import './styles.css';

listenForInstallOffer();
render(<App />, document.getElementById('app')!);
// A CometChat token the host page handed over (globalThis.ringkitCometChat) is kept for whoever signs in.
void adoptHandedOverToken();
addEventListener(SESSION_CHANGED, () => void adoptHandedOverToken());
