import { detectPlatform, type BrowserName, type OsName } from '../platform/detect';
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

function otherBrowserSteps(browser: BrowserName, os: OsName): string {
  if (browser === 'firefox' && os !== 'android') return 'Firefox on the desktop does not install web apps; keep RingKit open in a tab or pinned.';
  if (browser === 'safari') return 'In Safari, choose File → Add to Dock.';
  return os === 'android'
    ? "Open the browser's menu (⋮) and tap Install app or Add to Home screen."
    : "Click the install icon at the right of the address bar, or open the browser's menu and choose Install RingKit.";
}

/** The iOS Home Screen guide: Web Push works there only in Home Screen apps (iOS 16.4+). */
export function Install() {
  const platform = detectPlatform(readPlatformInput());
  const apple = platform.os.name === 'ios' || platform.os.name === 'ipados';
  const where = platform.browser.name === 'chrome' || platform.browser.name === 'edge' ? 'in the address bar' : 'in the toolbar';
  return (
    <section class="card install">
      <h1>Add RingKit to your Home Screen</h1>
      {platform.standalone ? (
        <p>RingKit is running from your Home Screen. Go back to the start page and enable ringing.</p>
      ) : (
        <>
          <p>
            {apple
              ? 'On iPhone and iPad, a web app can ring only once it is on the Home Screen (iOS 16.4 or later).'
              : 'Installing is optional here: this browser can ring from a tab. Installing gives RingKit its own window.'}
          </p>
          {apple ? (
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
          ) : (
            <p>{otherBrowserSteps(platform.browser.name, platform.os.name)}</p>
          )}
        </>
      )}
    </section>
  );
}
