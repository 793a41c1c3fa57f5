import { detectPlatform, type BrowserName, type OsName } from '../platform/detect';
import { useInstallOffer } from '../install/install-prompt';
import { readPlatformInput } from '../platform/environment';

/** Safari's share glyph and the Add to Home Screen item, drawn so the steps look like the screen. */
const ShareIcon = () => (
  <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round">
    <path d="M12 3v12M7.5 7.5 12 3l4.5 4.5M8 11H6v10h12V11h-2" />
  </svg>
);
const AddIcon = () => (
  <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round">
    <rect x="3.5" y="3.5" width="17" height="17" rx="4" />
    <path d="M12 8v8M8 12h8" />
  </svg>
);

/** What installing means in this browser, honestly: the heading, why, and how. */
function desktopGuide(browser: BrowserName, os: OsName): { title: string; why: string; how: string } {
  if (browser === 'firefox' && os !== 'android')
    return {
      title: 'RingKit rings from a Firefox tab',
      why: 'Firefox on the desktop does not install web apps, and it does not need to: calls ring here while Firefox runs, even with the tab in the background.',
      how: 'Keep RingKit open in a tab; right-click the tab and choose Pin Tab to keep it out of the way.',
    };
  const why = 'Installing is optional here: this browser can ring from a tab. Installed, RingKit gets its own window and a place in your apps.';
  if (browser === 'safari') return { title: 'Install RingKit', why, how: 'In Safari, choose File → Add to Dock.' };
  return {
    title: 'Install RingKit',
    why,
    how:
      os === 'android'
        ? "Open the browser's menu (⋮) and tap Install app or Add to Home screen."
        : "Click the install icon at the right of the address bar, or open the browser's menu and choose Install RingKit.",
  };
}

/** Installing RingKit: required on iOS (Web Push works only in Home Screen apps, iOS 16.4+), optional elsewhere. */
export function Install() {
  const platform = detectPlatform(readPlatformInput());
  const offer = useInstallOffer();
  const apple = platform.os.name === 'ios' || platform.os.name === 'ipados';
  const where = platform.browser.name === 'chrome' || platform.browser.name === 'edge' ? 'in the address bar' : 'in the toolbar';
  if (platform.standalone) {
    return (
      <section class="card install">
        <h1>RingKit is installed</h1>
        <p>You are using the installed app. Go back to the start page and turn on ringing.</p>
      </section>
    );
  }
  if (!apple) {
    const guide = desktopGuide(platform.browser.name, platform.os.name);
    return (
      <section class="card install">
        <h1>{guide.title}</h1>
        <p>{guide.why}</p>
        {offer.available ? (
          <button type="button" onClick={() => void offer.install()}>
            Install RingKit
          </button>
        ) : (
          <p>{guide.how}</p>
        )}
      </section>
    );
  }
  return (
    <section class="card install">
      <h1>Add RingKit to your Home Screen</h1>
      <p>On iPhone and iPad, a web app can ring only once it is on the Home Screen (iOS 16.4 or later).</p>
      <ol class="steps">
        <li>
          <ShareIcon /> Tap <strong>Share</strong> {where}.
        </li>
        <li>
          <AddIcon /> Scroll and tap <strong>Add to Home Screen</strong>, then <strong>Add</strong>.
        </li>
        <li>
          <img src="/icons/icon-192.png" width="28" height="28" alt="" /> Open <strong>RingKit</strong> from the Home Screen and tap{' '}
          <strong>Enable ringing</strong>.
        </li>
      </ol>
    </section>
  );
}
