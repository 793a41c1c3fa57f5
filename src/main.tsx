import { render } from 'preact';
import { App } from './app';
import { listenForInstallOffer } from './install/install-prompt';
import './styles.css';

listenForInstallOffer();
render(<App />, document.getElementById('app')!);
